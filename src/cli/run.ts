/**
 * The subcommands of the `chatflow` command line: `validate <file>`, `test`, `eval`, `serve`, `bench`, each with `--help`.
 * Returns the exit code (0 ok, 1 invalid flow / failed run, 2 usage or I/O error); `serve` runs until a
 * signal stops the server, which exits the process itself.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TOKENS_USAGE } from './tokens.ts';
import { EXIT, formatReport, validateFlowText } from './validate.ts';

export const USAGE = {
  main: `Usage: chatflow <command> [options]

Commands:
  validate <file>   check a flow file; prints every problem with its JSON pointer
  test [<flow>] <tests.json>...
                    run conversation tests against a flow (see docs/conversation-tests.md)
  eval <flow> --block <id> <data.csv>
                    how well an intent block understands labelled texts (accuracy, thresholds)
  serve             start the server (configured by environment variables, see docs/configuration.md)
  token             print the generated admin token (DATA_DIR/admin-token)
  bench             run the load benchmark and print the results table
  tokens create|list|revoke
                    scoped admin tokens, through a running server's admin API

Run "chatflow <command> --help" for the options of a command.
`,
  validate: `Usage: chatflow validate <file> [--json]

Checks a flow file exactly as PUT /api/flow does. Prints one line per problem:
  <file>: error <JSON pointer>: <message>
Exit code: 0 valid (warnings allowed), 1 the flow has errors, 2 usage or file error.

Options:
  --json    print {"valid","errors","warnings"} as JSON instead
  --help    this text
`,
  test: `Usage: chatflow test [FLOW.json] TESTS.json... [--json] [--coverage]
       chatflow test --server URL TESTS.json... [--timeout MS] [--admin-url URL] [--json] [--coverage]

Runs the conversations of each test file through the engine, in this process: no server, no network.
Intents are answered by the offline classifier, or by the step's "intent" where the step is pinned.
Each test file names its flow in "flow" (a path relative to the test file); a flow file given first
is used for every test file instead. The flow is validated as "chatflow validate" does.
Prints a line per passing conversation and, for a failing one, the expected and actual transcripts
side by side, the first divergence marked ">" and each mismatch with its JSON pointer.
Exit code: 0 all passed, 1 a conversation failed, 2 bad input (usage, unreadable file, a bad test
file with its JSON pointers, an invalid flow).

With --server, the files run against the current flow of a running server, over its WebSocket, with
the classifier it uses (OpenAI when it is configured so): give no flow file ("flow" in a test file is
ignored). A pinned step's intent is checked, not pinned. The admin token needs the scopes flows:read
and history:read; prefer CHATFLOW_TOKEN to --token, which shows in ps. Exit code 2 also when the
server cannot be used (unreachable, token refused, no flow): nothing was tested.

Options:
  --json             print the results as JSON (see docs/conversation-tests.md)
  --coverage         list the blocks and intent transitions no conversation reached
  --server <url>     run against a running server's current flow (http:// or https://)
  --token <token>    the admin token for --server (default: $CHATFLOW_TOKEN)
  --timeout <ms>     with --server: how long the bot may take over one turn (default 30000)
  --admin-url <url>  with --server: the admin API's URL when it has a port of its own (ADMIN_PORT)
  --help             this text
`,
  eval: `Usage: chatflow eval <flow.json> --block <id> <data.csv> [--json]

Classifies every text of data.csv with the classifier the server would use for the intent block
<id> (offline by default; OpenAI when OPENAI_API_KEY is set and the block's provider or
INTENT_PROVIDER is openai or auto) and prints the accuracy at the block's threshold, precision and
recall per intent, the costliest confusions, the threshold curve and the threshold it would choose.

data.csv: a header row "text,intent", then one text per row (RFC 4180: quote a field that holds a
comma, a quote or a line break; write a quote as ""). An empty intent marks a text that belongs to
no intent: the right answer is a no-match. At most 10000 rows, 4000 characters a text, 5 MB.
Exit code: 0 evaluated, 1 invalid flow or some classifications failed, 2 usage or data error.

Options:
  --block <id>  the intent block to evaluate (required)
  --json        print the evaluation as JSON (with every text's answer) instead
  --help        this text
`,
  serve: `Usage: chatflow serve

Starts the Chatflow server, like "npm start". Every setting is an environment variable
(PORT, HOST, DATA_DIR, DATABASE_URL, ADMIN_TOKEN, ...; see docs/configuration.md).
Stops gracefully on SIGTERM or SIGINT.
`,
  tokens: TOKENS_USAGE,
  token: `Usage: chatflow token [--data-dir <dir>]

Prints the admin token the server generated at its first start (ADMIN_TOKEN unset) and keeps in
<dir>/admin-token; <dir> is DATA_DIR (default ./data). The server prints a generated token only
when its output is a terminal; otherwise its log names the file and this command.
Exit code: 0 printed, 1 no token file yet, 2 usage or read error.

Options:
  --data-dir <dir>  the data directory (default: $DATA_DIR, else ./data)
  --help            this text
`,
} as const;

type Out = { stdout: (text: string) => void; stderr: (text: string) => void };
const processOut: Out = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function usageError(out: Out, message: string, usage: string): number {
  out.stderr(`chatflow: ${message}\n\n${usage}`);
  return EXIT.usage;
}

async function validateCommand(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean' }, help: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (values.help) {
    out.stdout(USAGE.validate);
    return EXIT.valid;
  }
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) {
    return usageError(out, 'validate takes exactly one file', USAGE.validate);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    out.stderr(`chatflow: cannot read ${file} (${code})\n`);
    return EXIT.usage;
  }
  const report = validateFlowText(text);
  out.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(file, report));
  return report.valid ? EXIT.valid : EXIT.invalid;
}

async function evalCommand(args: string[], out: Out): Promise<number> {
  // Imported here so that the other commands do not load the classifiers.
  const { evalCommand: run } = await import('./eval.ts');
  return run(args, out, USAGE.eval);
}

async function testCommand(args: string[], out: Out): Promise<number> {
  // Imported here so that the other commands do not load the engine and the classifiers.
  const { testCommand: run } = await import('./test.ts');
  return run(args, out, USAGE.test);
}

async function serveCommand(args: string[], out: Out): Promise<number> {
  const { values } = parseArgs({ args, options: { help: { type: 'boolean' } } });
  if (values.help) {
    out.stdout(USAGE.serve);
    return EXIT.valid;
  }
  // Imported here so `validate` does not load the server's dependencies.
  const { main } = await import('../main.ts');
  await main();
  return EXIT.valid;
}

async function tokenCommand(args: string[], out: Out): Promise<number> {
  const { tokenCommand: run } = await import('./token.ts');
  return run(args, out, USAGE.token);
}

/** The bench is a separate entry, run as a child: it ships with the source checkout, not with the product. */
const BENCH_ENTRY = fileURLToPath(new URL('../../bench/load.ts', import.meta.url));

/** Runs bench/load.ts with the same Node and arguments; it parses its own options (and --help). */
function benchCommand(args: string[], out: Out): Promise<number> {
  if (!existsSync(BENCH_ENTRY)) {
    out.stderr(
      `chatflow: the load bench is not installed here (${BENCH_ENTRY} is missing: it ships with the source checkout)\n`,
    );
    return Promise.resolve(EXIT.usage);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BENCH_ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', out.stdout);
    child.stderr.setEncoding('utf8').on('data', out.stderr);
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? EXIT.invalid));
  });
}

async function tokensCommand(args: string[], out: Out): Promise<number> {
  const { tokensCommand: run } = await import('./tokens.ts');
  return run(args, out);
}

const COMMANDS: Record<string, (args: string[], out: Out) => Promise<number>> = {
  validate: validateCommand,
  test: testCommand,
  eval: evalCommand,
  serve: serveCommand,
  token: tokenCommand,
  bench: benchCommand,
  tokens: tokensCommand,
};

export async function runCli(argv: string[], out: Out = processOut): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? out.stderr : out.stdout)(USAGE.main);
    return command === undefined ? EXIT.usage : EXIT.valid;
  }
  const run = COMMANDS[command];
  if (!run) return usageError(out, `unknown command "${command}"`, USAGE.main);
  try {
    return await run(rest, out);
  } catch (err) {
    // parseArgs throws typed errors (ERR_PARSE_ARGS_*) for unknown options and missing values.
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      return usageError(out, (err as Error).message, USAGE[command as keyof typeof USAGE]);
    }
    throw err;
  }
}
