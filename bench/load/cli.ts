/**
 * The options of the load bench, shared by `npm run bench` and `chatflow bench` (which runs bench/load.ts
 * as a child process, so the product's code never imports the bench). Returns the exit code: 0 done,
 * 2 usage error.
 */
import { parseArgs } from 'node:util';
import { runBench, SCENARIO_NAMES } from './run.ts';

export const BENCH_USAGE = `Usage: chatflow bench [--quick] [--scenario <name>]...

Runs the load benchmark (see docs/performance.md): Chatflow, a bare WebSocket echo server
and a durable echo (every message committed to SQLite first), as child processes on loopback, driven by
the same load generator. Prints Markdown tables with ratios against both baselines.
Set DATABASE_URL=postgres://... to add the PostgreSQL scenarios (1 and 2 instances).

Options:
  --quick              shorter runs and fewer connections (a smoke test)
  --scenario <name>    run only this scenario (repeatable); "chatflow bench --list" names them
  --list               list the scenarios
  --help               this text
`;

const EXIT = { done: 0, usage: 2 } as const;

function usageError(message: string): number {
  process.stderr.write(`chatflow: ${message}\n\n${BENCH_USAGE}`);
  return EXIT.usage;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    options: {
      help: { type: 'boolean' },
      quick: { type: 'boolean' },
      list: { type: 'boolean' },
      scenario: { type: 'string', multiple: true },
    },
  });
}

export async function runBenchCli(args: string[]): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(args));
  } catch (err) {
    // parseArgs throws typed errors (ERR_PARSE_ARGS_*) for unknown options and missing values.
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
      return usageError((err as Error).message);
    throw err;
  }
  if (values.help) {
    process.stdout.write(BENCH_USAGE);
    return EXIT.done;
  }
  if (values.list) {
    process.stdout.write(`${SCENARIO_NAMES.join('\n')}\n`);
    return EXIT.done;
  }
  const unknown = (values.scenario ?? []).filter((name) => !SCENARIO_NAMES.includes(name));
  if (unknown.length > 0) return usageError(`unknown scenario ${unknown.join(', ')}`);
  const table = await runBench({
    quick: values.quick ?? false,
    ...(values.scenario ? { only: values.scenario } : {}),
    databaseUrl: process.env.DATABASE_URL,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(table);
  return EXIT.done;
}
