/**
 * `npm run bench` (and `chatflow bench`, which runs this file): the load benchmark (bench/load/run.ts),
 * with its options (--quick, --scenario <name>, --list, --help; bench/load/cli.ts). Prints the Markdown
 * report on stdout, progress on stderr.
 */
import { runBenchCli } from './load/cli.ts';

process.exitCode = await runBenchCli(process.argv.slice(2));
