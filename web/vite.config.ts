/**
 * Builds the browser playground (web/src) into web/dist, which the server serves at `/` and `/assets/`.
 * `npm run dev:web` runs Vite's dev server with the API and the WebSocket proxied to a running server.
 */
import { defineConfig } from 'vite';

const backend = process.env.CHATFLOW_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // The polyfill would be an extra script; every browser the page supports has modulepreload.
    modulePreload: { polyfill: false },
    // Everything as files: the Content-Security-Policy allows no inline code or data: scripts.
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': backend,
      '/schemas': backend,
      '/ws': { target: backend.replace(/^http/, 'ws'), ws: true },
    },
  },
});
