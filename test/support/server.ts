/**
 * Starts the real server in-process on an ephemeral loopback port with a temporary DATA_DIR, and a
 * client whose every response is checked against the OpenAPI document.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { type RunningServer, type StartOptions, startServer } from '../../src/main.ts';
import { OpenApiValidator } from './openapi.ts';

export const TEST_TOKEN = 'test-admin-token-0123456789-abcdefghij';
const validator = new OpenApiValidator();

export async function makeDataDir(): Promise<{ dataDir: string; remove: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'chatflow-http-'));
  return { dataDir, remove: () => rm(dataDir, { recursive: true, force: true }) };
}

export interface TestServer extends RunningServer {
  dataDir: string;
  /** A client with the admin token. */
  api: ApiClient;
  /** Stops the server and removes the data directory (unless it was given). */
  stop(): Promise<void>;
}

export interface StartTestServerOptions extends StartOptions {
  env?: Record<string, string>;
  /** Reuse a directory (restart tests); it is then not removed on stop. */
  dataDir?: string;
}

/** No default flow unless the test asks for one. */
const NO_DEFAULT_FLOW = join(tmpdir(), 'chatflow-no-default-flow.json');

export async function startTestServer(options: StartTestServerOptions = {}): Promise<TestServer> {
  const owned = options.dataDir === undefined ? await makeDataDir() : undefined;
  const dataDir = options.dataDir ?? (owned?.dataDir as string);
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ADMIN_TOKEN: TEST_TOKEN,
    LOG_LEVEL: 'silent',
    // Tests send many wrong tokens on purpose; the throttle's own tests set the limit they check.
    ADMIN_AUTH_FAILURES_PER_MIN: '100000',
    ...options.env,
  });
  const running = await startServer(config, { defaultFlowPath: NO_DEFAULT_FLOW, ...options });
  return {
    ...running,
    dataDir,
    api: new ApiClient(running.adminUrl, running.adminToken),
    async stop() {
      try {
        await running.close();
      } finally {
        await owned?.remove();
      }
    },
  };
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body (every response of this API is JSON but 204's; its shape was checked against the OpenAPI document). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read fields of bodies already validated by the schema
  json: any;
}

export interface RequestOptions {
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Override the token; null sends no Authorization header. */
  token?: string | null;
  /** Aborts the request (e.g. `AbortSignal.timeout(ms)`), so a server that never answers fails fast. */
  signal?: AbortSignal;
}

export class ApiClient {
  readonly url: string;
  readonly token: string;

  constructor(url: string, token: string) {
    this.url = url;
    this.token = token;
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const token = options.token === undefined ? this.token : options.token;
    const headers: Record<string, string> = {
      ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...options.headers,
    };
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const text = await response.text();
    validator.check({ method, path, status: response.status, headers: response.headers, text });
    // Every body is JSON, except none at all (204 No Content).
    const json = response.status === 204 ? undefined : JSON.parse(text);
    return { status: response.status, headers: response.headers, text, json };
  }

  get(path: string, options?: RequestOptions) {
    return this.request('GET', path, options);
  }

  put(path: string, body: string, options: RequestOptions = {}) {
    return this.request('PUT', path, { ...options, body });
  }

  post(path: string, body?: string, options: RequestOptions = {}) {
    return this.request('POST', path, body === undefined ? options : { ...options, body });
  }
}

export { validator as openApiValidator };

/** Runs `body` against a fresh test server, and always stops it. */
export async function withTestServer<T>(
  options: StartTestServerOptions,
  body: (server: TestServer) => Promise<T>,
): Promise<T> {
  const server = await startTestServer(options);
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}
