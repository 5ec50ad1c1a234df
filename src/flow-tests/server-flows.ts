/**
 * A server's flow versions as a test run needs them: the current one (the test file is checked against
 * it before anything runs) and the one each conversation runs on (its `conversation` frame says which),
 * each fetched once and compiled for the lockstep replay (history-replay.ts).
 */
import type { CompiledFlow } from '../engine/index.ts';
import type { Flow } from '../flow/types.ts';
import { validateFlow } from '../flow/validate.ts';
import type { AdminClient } from './admin-client.ts';
import { ChannelError } from './channel-error.ts';
import { compileForTests } from './engine-driver.ts';

export interface ServerFlow {
  version: number;
  flow: Flow;
  compiled: CompiledFlow;
}

function readFlow(document: unknown, what: string, version: number): ServerFlow {
  const result = validateFlow(document);
  if (!result.valid) {
    const [first] = result.errors;
    throw new ChannelError(
      `${what} is not a flow this chatflow can read (${first?.path}: ${first?.message}): is the server a different version?`,
    );
  }
  return { version, flow: result.flow, compiled: compileForTests(result.flow).compiled };
}

export class ServerFlows {
  readonly #admin: AdminClient;
  readonly #versions = new Map<number, Promise<ServerFlow>>();

  constructor(admin: AdminClient) {
    this.#admin = admin;
  }

  /** GET /api/flow: the flow new conversations start on, and its version (the ETag). */
  async current(): Promise<ServerFlow> {
    const { body, headers } = await this.#admin.get('/api/flow', "the server's current flow");
    const version = Number(/^"(\d+)"$/.exec(headers.get('etag') ?? '')?.[1]);
    if (!Number.isSafeInteger(version)) {
      throw new ChannelError(
        'the server sent its current flow without its version (ETag): is it a Chatflow server?',
      );
    }
    const flow = readFlow(body, "the server's current flow", version);
    this.#versions.set(version, Promise.resolve(flow));
    return flow;
  }

  /** GET /api/flow/versions/:version, once per version (a failed read is tried again next time). */
  version(version: number): Promise<ServerFlow> {
    let flow = this.#versions.get(version);
    if (!flow) {
      const what = `version ${version} of the server's flow`;
      flow = this.#admin
        .get(`/api/flow/versions/${version}`, what)
        .then(({ body }) => readFlow(body, what, version));
      flow.catch(() => this.#versions.delete(version));
      this.#versions.set(version, flow);
    }
    return flow;
  }
}
