/**
 * The messages between the SQLite store's proxy (main thread, worker-store.ts) and its worker
 * (store-worker.ts). Calls and replies travel in batches, one postMessage per event-loop turn on
 * each side, as structured clones of small objects. Errors cross as plain data and are rebuilt as
 * the same classes on the main thread, so callers can still test `instanceof StoreUnavailableError`.
 */
import { SchemaTooNewError } from '../migration.ts';
import { InvalidCursorError, StoreConfigError, StoreUnavailableError } from '../store.ts';
import type { GroupCommitStats } from './group-commit.ts';
import type { SqliteSettings, SqliteStoreOptions } from './sqlite-store.ts';

/** The store methods the worker serves (everything in the Store port but `close`, which is a call too). */
export const WORKER_METHODS = [
  'ping',
  'close',
  'createFlowVersion',
  'getCurrentFlowVersion',
  'getFlowVersion',
  'listFlowVersions',
  'activateFlowVersion',
  'putFlowTests',
  'getFlowTests',
  'createConversation',
  'getConversation',
  'claimConversation',
  'appendTurn',
  'getEvents',
  'getBotMessagesAfter',
  'getReplyTo',
  'listConversations',
  'deleteConversation',
  'deleteUserConversations',
  'deleteExpiredConversations',
  'createAdminToken',
  'listAdminTokens',
  'findAdminToken',
  'revokeAdminToken',
  'appendAudit',
  'listAudit',
] as const;

export type WorkerMethod = (typeof WORKER_METHODS)[number];

export interface WorkerCall {
  id: number;
  method: WorkerMethod;
  args: unknown[];
}

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: SerialisedError };

/** What the worker was started with: the store's own options (group commit on or off, busy timeout). */
export type WorkerOptions = SqliteStoreOptions;

export type FromWorker =
  | { type: 'ready'; settings: SqliteSettings }
  | { type: 'failed'; error: SerialisedError }
  | { type: 'replies'; replies: WorkerReply[]; stats: GroupCommitStats };

export type ToWorker = { type: 'calls'; calls: WorkerCall[] };

export interface SerialisedError {
  name: string;
  message: string;
  code?: unknown;
  errcode?: unknown;
  cause?: SerialisedError;
}

export function serialiseError(error: unknown): SerialisedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { code, errcode } = error as Error & { code?: unknown; errcode?: unknown };
  return {
    name: error.name,
    message: error.message,
    ...(code === undefined ? {} : { code }),
    ...(errcode === undefined ? {} : { errcode }),
    ...(error.cause === undefined ? {} : { cause: serialiseError(error.cause) }),
  };
}

/** The classes a caller may test for; anything else comes back as an Error with the same name and codes. */
const KNOWN_ERRORS: Record<string, new (message: string, options?: ErrorOptions) => Error> = {
  StoreUnavailableError,
  InvalidCursorError,
  StoreConfigError,
  SchemaTooNewError,
  RangeError,
  TypeError,
};

export function reviveError(data: SerialisedError): Error {
  const options = data.cause === undefined ? undefined : { cause: reviveError(data.cause) };
  const Known = KNOWN_ERRORS[data.name];
  const error = Known ? new Known(data.message, options) : new Error(data.message, options);
  if (!Known) error.name = data.name;
  if (data.code !== undefined) Object.assign(error, { code: data.code });
  if (data.errcode !== undefined) Object.assign(error, { errcode: data.errcode });
  return error;
}
