# syntax=docker/dockerfile:1
# Chatflow image: the same steps as a local production start (README "Running with Docker"):
#   npm ci --omit=dev  →  node src/main.ts   (Node 24 strips the TypeScript types itself)

# Stage 1: every dependency, installed once (the npm cache is a build cache, not a layer). Install
# scripts are skipped: the only ones are the `node` package's (it would download a second Node 24;
# the base image is Node 24 already) and restify's optional dtrace-provider.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund

# Stage 2: the browser playground, built by Vite (a dev dependency) into web/dist. Only what the build
# reads is copied: web/ and the two server modules the page imports (the flow graph, the test-file
# limits), so editing the server does not re-run Vite. The image's Node 24 runs Vite directly (npm scripts would look for the `node` package's
# Node, which --ignore-scripts did not set up).
FROM deps AS web
COPY web ./web
COPY src/flow/graph.ts ./src/flow/graph.ts
COPY src/flow-tests/limits.ts ./src/flow-tests/limits.ts
RUN node node_modules/vite/bin/vite.js build --config web/vite.config.ts

# Stage 3: the production dependencies, pruned from stage 1 instead of a second install.
FROM deps AS prod-deps
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# Stage 4: the runtime, without npm's cache or build files, as the unprivileged `node` user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY bin ./bin
COPY examples ./examples
COPY --from=web /app/web/dist ./web/dist
# `chatflow` on the PATH: docker run --rm chatflow chatflow validate /app/examples/travel.json
# /data belongs to group 0 with the owner's rights, so that an arbitrary UID run with group 0
# (docker run --user 12345:0, OpenShift) can write it too.
RUN chmod 755 bin/chatflow.ts \
 && ln -s /app/bin/chatflow.ts /usr/local/bin/chatflow \
 && mkdir -p /data \
 && chown node:0 /data \
 && chmod g=u /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# Readiness, not liveness: healthy only once the store answers (compose waits on it).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "src/main.ts"]
