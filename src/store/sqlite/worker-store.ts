/**
 * The SQLite store with its connection in a worker thread (store-worker.ts): the same Store, the same
 * file and the same guarantees (WAL, synchronous=FULL, group commit, a write settles after its
 * COMMIT), but the fsync of each COMMIT no longer blocks the server's event loop.
 *
 * The calls made in one event-loop turn go to the worker in one message; the replies come back the
 * same way. The worker holds the process open only while a call is pending, as a bare connection
 * would not hold it open at all. If the worker stops (crash, out of memory), every pending and later
 * call rejects with StoreUnavailableError.
 */
import { Worker } from 'node:worker_threads';
import type { HistoryEvent } from '../../engine/history.ts';
import {
  type ActivateResult,
  type AdminTokenRecord,
  type AppendResult,
  type AuditEntry,
  type ConversationRecord,
  type ConversationSummary,
  type CreateFlowVersionResult,
  type ExpiryCriteria,
  type FlowTestsRecord,
  type FlowVersionMeta,
  type FlowVersionRecord,
  type NewAdminToken,
  type NewAuditEntry,
  type NewConversation,
  type Page,
  type Store,
  type StoredBotMessage,
  type StoredEvent,
  StoreUnavailableError,
  type TurnWrite,
} from '../store.ts';
import type { GroupCommitStats } from './group-commit.ts';
import type { SqliteSettings, SqliteStoreOptions } from './sqlite-store.ts';
import {
  type FromWorker,
  reviveError,
  type ToWorker,
  type WorkerCall,
  type WorkerMethod,
  type WorkerReply,
} from './worker-protocol.ts';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Starts the worker, which opens the file and runs pending migrations; rejects as opening in-process would. */
export async function openSqliteWorkerStore(options: SqliteStoreOptions): Promise<SqliteWorkerStore> {
  const { worker, settings } = await startStoreWorker(options);
  return new SqliteWorkerStore(worker, settings);
}

/** The worker with the store open in it, and its connection's settings. */
export async function startStoreWorker(
  options: SqliteStoreOptions,
): Promise<{ worker: Worker; settings: SqliteSettings }> {
  const worker = new Worker(new URL('./store-worker.ts', import.meta.url), { workerData: options });
  const settings = await new Promise<SqliteSettings>((resolve, reject) => {
    const onExit = (code: number) =>
      reject(new StoreUnavailableError(`SQLite is unavailable: the store worker exited (code ${code})`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (message: FromWorker) => {
      worker.off('error', reject);
      worker.off('exit', onExit);
      if (message.type === 'ready') resolve(message.settings);
      else if (message.type === 'failed') reject(reviveError(message.error));
    });
  }).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  return { worker, settings };
}

export class SqliteWorkerStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly #worker: Worker;
  readonly #settings: SqliteSettings;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #outbox: WorkerCall[] = [];
  #stats: GroupCommitStats = { transactions: 0, writes: 0 };
  /** Set once the store is closed or the worker is gone: the reason every later call is refused. */
  #gone: string | null = null;
  #closing: Promise<void> | null = null;

  constructor(worker: Worker, settings: SqliteSettings) {
    this.#worker = worker;
    this.#settings = settings;
    worker.unref();
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'replies') this.#settle(message.replies, message.stats);
    });
    worker.on('error', (error) => this.#stop(`the store worker failed: ${error.message}`));
    worker.on('exit', (code) => this.#stop(`the store worker exited (code ${code})`));
  }

  /** The settings the worker's connection runs with (read once at open: they are per-connection pragmas). */
  settings(): SqliteSettings {
    return { ...this.#settings };
  }

  /** History writes and the transactions they took, as of the last reply from the worker. */
  writeStats(): GroupCommitStats {
    return { ...this.#stats };
  }

  #call<T>(method: WorkerMethod, args: unknown[]): Promise<T> {
    if (this.#gone !== null)
      return Promise.reject(new StoreUnavailableError(`SQLite is unavailable: ${this.#gone}`));
    return new Promise<T>((resolve, reject) => {
      const id = this.#nextId++;
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (this.#outbox.length === 0) setImmediate(() => this.#send());
      this.#outbox.push({ id, method, args });
      if (this.#pending.size === 1) this.#worker.ref();
    });
  }

  /** Posts the calls of this turn in one message (a value that cannot be cloned fails only its own call). */
  #send(): void {
    const calls = this.#outbox;
    this.#outbox = [];
    if (calls.length === 0) return;
    try {
      this.#worker.postMessage({ type: 'calls', calls } satisfies ToWorker);
    } catch {
      for (const call of calls) {
        try {
          this.#worker.postMessage({ type: 'calls', calls: [call] } satisfies ToWorker);
        } catch (error) {
          this.#settle([{ id: call.id, ok: false, error: { name: 'TypeError', message: String(error) } }]);
        }
      }
    }
  }

  #settle(replies: readonly WorkerReply[], stats?: GroupCommitStats): void {
    if (stats) this.#stats = stats;
    for (const reply of replies) {
      const pending = this.#pending.get(reply.id);
      if (!pending) continue;
      this.#pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply.value);
      else pending.reject(reviveError(reply.error));
    }
    if (this.#pending.size === 0) this.#worker.unref();
  }

  #stop(reason: string): void {
    this.#gone ??= reason;
    const error = new StoreUnavailableError(`SQLite is unavailable: ${this.#gone}`);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    this.#outbox = [];
  }

  ping(): Promise<void> {
    return this.#call('ping', []);
  }

  async close(): Promise<void> {
    // Idempotent; the calls made before it (writes queued for a group commit included) are served first.
    this.#closing ??= (async () => {
      if (this.#gone !== null) return;
      const closed = this.#call<void>('close', []);
      this.#send();
      await closed;
      this.#gone = 'database is not open';
      await this.#worker.terminate();
    })();
    await this.#closing;
  }

  createFlowVersion(input: {
    raw: string;
    name: string;
    at: string;
    ifMatch?: number | null;
  }): Promise<CreateFlowVersionResult> {
    return this.#call('createFlowVersion', [input]);
  }

  getCurrentFlowVersion(): Promise<FlowVersionRecord | null> {
    return this.#call('getCurrentFlowVersion', []);
  }

  getFlowVersion(version: number): Promise<FlowVersionRecord | null> {
    return this.#call('getFlowVersion', [version]);
  }

  listFlowVersions(): Promise<{ current: number | null; versions: FlowVersionMeta[] }> {
    return this.#call('listFlowVersions', []);
  }

  activateFlowVersion(version: number, ifMatch?: number): Promise<ActivateResult> {
    return this.#call('activateFlowVersion', ifMatch === undefined ? [version] : [version, ifMatch]);
  }

  putFlowTests(input: { flowVersion: number; raw: string; at: string }): Promise<FlowTestsRecord | null> {
    return this.#call('putFlowTests', [input]);
  }

  getFlowTests(flowVersion: number): Promise<FlowTestsRecord | null> {
    return this.#call('getFlowTests', [flowVersion]);
  }

  createConversation(conversation: NewConversation, events: readonly HistoryEvent[]): Promise<void> {
    return this.#call('createConversation', [conversation, events]);
  }

  getConversation(id: string): Promise<ConversationRecord | null> {
    return this.#call('getConversation', [id]);
  }

  claimConversation(id: string): Promise<ConversationRecord | null> {
    return this.#call('claimConversation', [id]);
  }

  appendTurn(write: TurnWrite): Promise<AppendResult> {
    return this.#call('appendTurn', [write]);
  }

  getEvents(conversationId: string): Promise<StoredEvent[]> {
    return this.#call('getEvents', [conversationId]);
  }

  getBotMessagesAfter(conversationId: string, afterSeq: number, limit: number): Promise<StoredBotMessage[]> {
    return this.#call('getBotMessagesAfter', [conversationId, afterSeq, limit]);
  }

  getReplyTo(conversationId: string, clientMessageId: string, limit: number): Promise<StoredBotMessage[]> {
    return this.#call('getReplyTo', [conversationId, clientMessageId, limit]);
  }

  listConversations(options: { limit: number; cursor?: string }): Promise<Page<ConversationSummary>> {
    return this.#call('listConversations', [options]);
  }

  deleteConversation(id: string): Promise<boolean> {
    return this.#call('deleteConversation', [id]);
  }

  deleteUserConversations(userId: string): Promise<number> {
    return this.#call('deleteUserConversations', [userId]);
  }

  deleteExpiredConversations(criteria: ExpiryCriteria): Promise<number> {
    return this.#call('deleteExpiredConversations', [criteria]);
  }

  createAdminToken(token: NewAdminToken): Promise<boolean> {
    return this.#call('createAdminToken', [token]);
  }

  listAdminTokens(): Promise<AdminTokenRecord[]> {
    return this.#call('listAdminTokens', []);
  }

  findAdminToken(tokenHash: string): Promise<AdminTokenRecord | null> {
    return this.#call('findAdminToken', [tokenHash]);
  }

  revokeAdminToken(name: string): Promise<boolean> {
    return this.#call('revokeAdminToken', [name]);
  }

  appendAudit(entry: NewAuditEntry): Promise<number> {
    return this.#call('appendAudit', [entry]);
  }

  listAudit(options: { limit: number; cursor?: string }): Promise<Page<AuditEntry>> {
    return this.#call('listAudit', [options]);
  }
}
