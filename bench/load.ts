/**
 * `npm run bench`: the load benchmark (bench/load/run.ts), with the options of `chatflow bench`
 * (--quick, --scenario <name>, --list, --help). Prints the Markdown report on stdout, progress on stderr.
 */
import { runCli } from '../src/cli/run.ts';

process.exitCode = await runCli(['bench', ...process.argv.slice(2)]);
