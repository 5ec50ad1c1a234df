/**
 * The soak's baseline (`npm run bench:soak -- --baseline`): a bare `ws` server on loopback, same Node,
 * same options as Chatflow's (no permessage-deflate), that sends one `waiting` frame per connection. What
 * its RSS does under the same rounds is what Node, `ws` and the allocator do without Chatflow.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { serveMemory } from './soak-memory.ts';

const http = createServer();
const wss = new WebSocketServer({ server: http, maxPayload: 16_384, perMessageDeflate: false });
wss.on('error', () => {});
wss.on('connection', (socket) => {
  socket.on('error', () => {});
  socket.send(JSON.stringify({ type: 'waiting', blockId: 'ask' }));
});
http.listen(0, '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo;
  serveMemory(
    `http://127.0.0.1:${port}`,
    { connections: () => wss.clients.size, liveConversations: () => 0 },
    () => new Promise((resolve) => http.close(() => resolve())),
  );
});
