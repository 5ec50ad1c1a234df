/**
 * Test files run against a running server (`chatflow test --server URL`): its current flow, over its
 * chat WebSocket, with the deployed classifier (server-driver.ts). The admin token (scopes flows:read
 * and history:read) reads the flow and the conversations' history; it is sent to the admin API only,
 * and no message here ever holds it.
 *
 * Before anything runs, the server's current flow is read and the file checked against it (unknown
 * block and intent ids are bad input, as offline). A file that names a flow file (`"flow": "x.json"`)
 * is run against the server's current flow all the same.
 */
import type { FlowProblem } from '../flow/types.ts';
import { AdminClient } from './admin-client.ts';
import type { TestFile } from './format.ts';
import { problemsAgainstFlow } from './parse.ts';
import { runTestFile, type TestRunOutcome } from './run.ts';
import { ServerDriver } from './server-driver.ts';
import { type ServerFlow, ServerFlows } from './server-flows.ts';

/** How long the bot may take over one turn, and the admin API over one read, unless told otherwise. */
export const DEFAULT_TURN_TIMEOUT_MS = 30_000;
const MAX_TURN_TIMEOUT_MS = 10 * 60_000;

export interface ServerOptions {
  /** The server's http(s) URL: the chat is at <url>/ws, the admin API at <url>/api. */
  url: string;
  /** The admin API's URL when the server serves it on a port of its own (ADMIN_PORT); `url` by default. */
  adminUrl?: string;
  /** An admin token with the scopes flows:read and history:read. */
  token: string;
  /** How long the bot may take over one turn, and the admin API over one read (default 30 s). */
  timeoutMs?: number;
}

/** The run cannot start as asked: a bad URL or timeout, or a test file the server's flow contradicts. */
export class ServerRunInputError extends Error {
  override name = 'ServerRunInputError';
  readonly problems: FlowProblem[];

  constructor(message: string, problems: FlowProblem[] = []) {
    super(message);
    this.problems = problems;
  }
}

/** The http(s) base (no trailing slash) and the chat's ws(s) URL derived from it. */
export function serverUrls(text: string, what = 'the server URL'): { http: string; chat: string } {
  if (!URL.canParse(text)) throw new ServerRunInputError(`${what} ${JSON.stringify(text)} is not a URL`);
  const url = new URL(text);
  if (url.username || url.password) {
    // Not echoed: what is in it may be a secret.
    throw new ServerRunInputError(`${what} must not hold a user or password: the token is given on its own`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ServerRunInputError(
      `${what} must start with http:// or https:// (the WebSocket's ws:// or wss:// is derived from it), not ${url.protocol}//`,
    );
  }
  if (url.search || url.hash) throw new ServerRunInputError(`${what} must have no query (?) or fragment (#)`);
  const path = url.pathname.replace(/\/+$/, '');
  return {
    http: `${url.origin}${path}`,
    chat: `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}${path}/ws`,
  };
}

function turnTimeout(ms: number | undefined): number {
  if (ms === undefined) return DEFAULT_TURN_TIMEOUT_MS;
  if (!Number.isInteger(ms) || ms < 1 || ms > MAX_TURN_TIMEOUT_MS) {
    throw new ServerRunInputError(
      `the turn timeout must be a whole number of ms, 1 to ${MAX_TURN_TIMEOUT_MS}`,
    );
  }
  return ms;
}

/** A server ready to run test files: its URLs checked, its current flow read. */
export interface ServerTarget {
  /** The server's current flow when the run began. */
  current: ServerFlow;
  /** Runs one file; a file naming blocks or intents the current flow lacks is a ServerRunInputError. */
  run(tests: TestFile): Promise<TestRunOutcome>;
}

/** Checks the options and reads the current flow: a ServerRunInputError, or a ChannelError when the server cannot be used. */
export async function connectToServer(options: ServerOptions): Promise<ServerTarget> {
  const { chat, http } = serverUrls(options.url);
  const adminBase =
    options.adminUrl === undefined ? http : serverUrls(options.adminUrl, 'the admin URL').http;
  const turnTimeoutMs = turnTimeout(options.timeoutMs);
  if (!options.token)
    throw new ServerRunInputError('an admin token is needed (scopes flows:read and history:read)');
  const admin = new AdminClient(adminBase, options.token, turnTimeoutMs);
  const flows = new ServerFlows(admin);
  const current = await flows.current();
  // The history is read after every turn: a token without history:read is refused here, before anything runs.
  await admin.get('/api/conversations?limit=1', 'the list of conversations');
  return {
    current,
    run(tests) {
      const problems = problemsAgainstFlow(tests, current.flow);
      if (problems.length > 0) {
        return Promise.reject(
          new ServerRunInputError(
            `the test file names ${problems.length} block or intent id(s) that version ${current.version} of the server's flow does not have`,
            problems,
          ),
        );
      }
      return runTestFile(tests, async () => new ServerDriver({ chatUrl: chat, admin, flows, turnTimeoutMs }));
    },
  };
}

/** One test file against the server's current flow. */
export async function runTestsOnServer(
  options: ServerOptions & { tests: TestFile },
): Promise<TestRunOutcome> {
  return (await connectToServer(options)).run(options.tests);
}
