# syntax=docker/dockerfile:1
# Chatflow image: the same steps as a local production start (README "Running with Docker"):
#   npm ci --omit=dev  →  node src/main.ts   (Node 24 strips the TypeScript types itself)

# Stage 1: production dependencies only. The `node` devDependency (Node 24 for Node-20 machines) is
# not needed: the base image already is Node 24.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# Stage 2: the browser playground, built by Vite (a dev dependency) into web/dist.
FROM node:24-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY web ./web
COPY src ./src
# The image's own Node 24 runs Vite directly: with --ignore-scripts the `node` dev dependency (Node 24
# for Node-20 machines) is not set up, so npm scripts, which put node_modules/.bin first, are avoided.
RUN node node_modules/vite/bin/vite.js build --config web/vite.config.ts

# Stage 3: the runtime, without npm's cache or build files, as the unprivileged `node` user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY examples ./examples
COPY --from=web /app/web/dist ./web/dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "src/main.ts"]
