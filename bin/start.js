#!/usr/bin/env node
/**
 * `npm start`. Plain JavaScript, so that whatever Node runs it can say which one is needed: the server
 * is TypeScript, run by the type stripping of Node 24, and an older Node would only fail with
 * ERR_UNKNOWN_FILE_EXTENSION. `npm ci --omit=dev` brings Node 24 (the `node` package) and npm scripts
 * find it first on the PATH; this line is for an install that could not bring it.
 */
const REQUIRED_MAJOR = 24;
const running = process.versions.node;

if (Number(running.split('.')[0]) < REQUIRED_MAJOR) {
  process.stderr.write(
    `chatflow: Node.js ${REQUIRED_MAJOR} or later is required, this is Node.js ${running} ` +
      `(${process.execPath}); run "npm ci --omit=dev" with install scripts enabled (it brings Node ` +
      `${REQUIRED_MAJOR} as the "node" package) or put Node ${REQUIRED_MAJOR} first on the PATH\n`,
  );
  process.exit(1);
}

const { main } = await import('../src/main.ts');
await main();
