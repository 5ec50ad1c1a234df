/**
 * The SQLite store's worker thread: it owns the connection, so every statement, and above all every
 * COMMIT's fsync (synchronous=FULL), blocks this thread instead of the server's event loop. The
 * writes of all the calls that arrive together join one group commit (group-commit.ts), and a
 * write's reply is sent only once its COMMIT returned: "stored before shown" holds across threads.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteStore, type SqliteStore } from './sqlite-store.ts';
import {
  type FromWorker,
  serialiseError,
  type ToWorker,
  type WorkerCall,
  type WorkerOptions,
  type WorkerReply,
} from './worker-protocol.ts';

const port = parentPort;
if (!port) throw new Error('store-worker.ts runs as a worker thread only');
const post = (message: FromWorker) => port.postMessage(message);
let outbox: WorkerReply[] = [];

// A store that cannot open says why and the worker ends by itself (nothing left listening): the
// opener rejects with the same error class as in-process.
const store = await openSqliteStore(workerData as WorkerOptions).catch((error: unknown) => {
  post({ type: 'failed', error: serialiseError(error) });
  return null;
});
if (store) {
  post({ type: 'ready', settings: store.settings() });
  port.on('message', (message: ToWorker) => {
    for (const call of message.calls) serve(store, call);
  });
}

/** Replies settled in this turn go back in one message, with the write counters as of now. */
function reply(store: SqliteStore, settled: WorkerReply): void {
  if (outbox.length === 0) setImmediate(() => sendReplies(store));
  outbox.push(settled);
}

function sendReplies(store: SqliteStore): void {
  const replies = outbox;
  outbox = [];
  post({ type: 'replies', replies, stats: store.writeStats() });
}

function serve(store: SqliteStore, call: WorkerCall): void {
  // Every method runs its statements synchronously when called (history writes queue for the group
  // commit), so the calls of one message run in the order they were made.
  const method = store[call.method] as (...args: unknown[]) => Promise<unknown>;
  method.apply(store, call.args).then(
    (value) => reply(store, { id: call.id, ok: true, value }),
    (error: unknown) => reply(store, { id: call.id, ok: false, error: serialiseError(error) }),
  );
}
