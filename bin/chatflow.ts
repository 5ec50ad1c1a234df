#!/usr/bin/env node
/**
 * The `chatflow` command (package.json `bin`). TypeScript run by Node 24's type stripping: `npx chatflow`
 * finds Node 24 in node_modules/.bin (the `node` dev dependency), which npx puts first on the PATH.
 */
import { runCli } from '../src/cli/run.ts';

process.exitCode = await runCli(process.argv.slice(2));
