/**
 * The durable floor: the bare echo, but every message is first inserted into SQLite (node:sqlite, WAL,
 * `synchronous=FULL`) and echoed only after its COMMIT. Like Chatflow's group commit, the messages read
 * in one event-loop turn share one transaction (committed at `setImmediate`), on the main thread: what
 * "stored before shown" costs at the least, with no engine, flow or protocol around it.
 * BENCH_DATA_DIR: where the database file goes (the bench gives a temporary directory).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { RawData, WebSocket } from 'ws';
import { listenWebSocket } from './ws-child.ts';

const dataDir = process.env.BENCH_DATA_DIR ?? '.';
mkdirSync(dataDir, { recursive: true });
const db = new DatabaseSync(join(dataDir, 'durable-echo.db'));
db.exec('PRAGMA journal_mode = WAL');
db.exec('PRAGMA synchronous = FULL');
// The shape of Chatflow's history rows: one per event, keyed by conversation and sequence number.
db.exec(`CREATE TABLE IF NOT EXISTS messages (
  conversation INTEGER NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, at TEXT NOT NULL,
  PRIMARY KEY (conversation, seq)) STRICT, WITHOUT ROWID`);
const insert = db.prepare('INSERT INTO messages (conversation, seq, data, at) VALUES (?, ?, ?, ?)');

interface Pending {
  socket: WebSocket;
  data: RawData;
}
const conversations = new WeakMap<WebSocket, { id: number; seq: number }>();
let nextConversation = 0;
let batch: Pending[] = [];

function commit(): void {
  const pending = batch;
  batch = [];
  const at = new Date().toISOString();
  db.exec('BEGIN IMMEDIATE');
  for (const { socket, data } of pending) {
    let conversation = conversations.get(socket);
    if (!conversation) {
      conversation = { id: ++nextConversation, seq: 0 };
      conversations.set(socket, conversation);
    }
    insert.run(conversation.id, ++conversation.seq, String(data), at);
  }
  db.exec('COMMIT');
  for (const { socket, data } of pending) socket.send(data, { binary: false });
}

listenWebSocket((socket, data) => {
  if (batch.length === 0) setImmediate(commit);
  batch.push({ socket, data });
});
