/**
 * The admin token and the REST client. The token is typed once, kept in sessionStorage (gone when the
 * tab closes), sent only in the Authorization header — never in a URL.
 */
import type { TestFile } from '../../src/flow-tests/format.ts';

const TOKEN_KEY = 'chatflow.adminToken';

type Listener = () => void;
const listeners = new Set<Listener>();
let refused = false;

function changed(): void {
  for (const listener of listeners) listener();
}

export const adminToken = {
  get(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set(token: string): void {
    refused = false;
    sessionStorage.setItem(TOKEN_KEY, token);
    changed();
  },
  clear(): void {
    refused = false;
    sessionStorage.removeItem(TOKEN_KEY);
    changed();
  },
  /** The server refused the token: it is forgotten, and the form says why. */
  refuse(): void {
    if (sessionStorage.getItem(TOKEN_KEY) === null) return;
    refused = true;
    sessionStorage.removeItem(TOKEN_KEY);
    changed();
  },
  get refused(): boolean {
    return refused;
  },
  /** Called after every change of the token. */
  onChange(listener: Listener): void {
    listeners.add(listener);
  },
};

export interface ProblemDetail {
  path: string;
  message: string;
}

/** What the API answered, as a value: the panes show failures, they never throw them at the user. */
export type ApiResult<T> =
  | { ok: true; status: number; body: T; etag: string | null }
  | { ok: false; status: number; code: string; message: string; details: ProblemDetail[] };

export interface VersionSummary {
  version: number;
  name: string;
  createdAt: string;
  current: boolean;
}

export interface ConversationSummary {
  id: string;
  flowVersion: number;
  status: 'active' | 'ended';
  startedAt: string;
  updatedAt: string;
  eventCount: number;
}

export interface HistoryEvent {
  seq: number;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

export interface ValidationReport {
  valid: boolean;
  errors: ProblemDetail[];
  warnings: ProblemDetail[];
}

/** A conversation that failed a test run: where it first diverged, and the first differences. */
export interface TestFailure {
  conversation: string;
  /** The conversation's JSON pointer in the test file. */
  path: string;
  firstDivergence: number;
  mismatches: { path: string; expected: string; actual: string }[];
}

/** `PUT /api/flow/tests`: what was stored, and the run of its conversations against the current flow. */
export interface StoredTests {
  flowVersion: number;
  conversations: number;
  run: { passed: number; failed: number; failures: TestFailure[] };
}

export type Failure = Extract<ApiResult<never>, { ok: false }>;

const NO_TOKEN: Failure = {
  ok: false,
  status: 401,
  code: 'NO_TOKEN',
  message: 'Type the admin token at the top of the page first.',
  details: [],
};
const NETWORK: Failure = {
  ok: false,
  status: 0,
  code: 'NETWORK',
  message: 'The server cannot be reached.',
  details: [],
};

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null; // a non-JSON answer (a proxy's error page): reported with its status only
  }
}

function failureOf(status: number, text: string): Failure {
  const error = (
    parseJson(text) as { error?: { code?: string; message?: string; details?: ProblemDetail[] } }
  )?.error;
  return {
    ok: false,
    status,
    code: error?.code ?? `HTTP_${status}`,
    message: error?.message ?? `The server answered ${status}.`,
    details: error?.details ?? [],
  };
}

/** Sends one authenticated request; the body comes back as text (flows are kept as their author wrote them). */
async function send(method: string, path: string, body?: string): Promise<ApiResult<string>> {
  const token = adminToken.get();
  if (token === null) return NO_TOKEN;
  try {
    const response = await fetch(path, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body }),
      cache: 'no-store',
    });
    const text = await response.text();
    if (!response.ok) return failureOf(response.status, text);
    return { ok: true, status: response.status, body: text, etag: response.headers.get('ETag') };
  } catch {
    return NETWORK;
  }
}

async function request<T>(method: string, path: string, body?: string): Promise<ApiResult<T>> {
  const result = await send(method, path, body);
  return result.ok ? { ...result, body: parseJson(result.body) as T } : result;
}

const requestText = (path: string) => send('GET', path);

export const api = {
  currentFlowText: () => requestText('/api/flow'),
  versionText: (version: number) => requestText(`/api/flow/versions/${version}`),
  versions: () =>
    request<{ current: number | null; versions: VersionSummary[] }>('GET', '/api/flow/versions'),
  validate: (text: string) => request<ValidationReport>('POST', '/api/flow/validate', text),
  publish: (text: string) =>
    request<{ version: number; createdAt: string; warnings: ProblemDetail[] }>('PUT', '/api/flow', text),
  activate: (version: number) =>
    request<{ version: number; current: true }>('POST', `/api/flow/versions/${version}/activate`),
  conversations: (limit: number, cursor: string | null) => {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor !== null) query.set('cursor', cursor);
    return request<{ conversations: ConversationSummary[]; nextCursor: string | null }>(
      'GET',
      `/api/conversations?${query}`,
    );
  },
  flowTests: () => request<TestFile>('GET', '/api/flow/tests'),
  storeFlowTests: (text: string) => request<StoredTests>('PUT', '/api/flow/tests', text),
  conversation: (id: string) =>
    request<ConversationSummary & { events: HistoryEvent[] }>(
      'GET',
      `/api/conversations/${encodeURIComponent(id)}`,
    ),
};

/** A sentence for the user about a failed call; a refused token is forgotten so the form asks again. */
export function describeFailure(result: Failure): string {
  if (result.status === 401 && result.code === 'UNAUTHORIZED') {
    adminToken.refuse();
    return 'The admin token was refused. Type it again at the top of the page.';
  }
  return result.message;
}
