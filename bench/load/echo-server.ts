/**
 * The physical floor: a bare `ws` server on loopback that sends every text frame straight back. Run by
 * the bench as a child process, exactly like Chatflow, so both pay the same process and socket costs.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { serveStats } from './child-protocol.ts';

const http = createServer();
const wss = new WebSocketServer({ server: http, maxPayload: 16_384 });
wss.on('error', () => {});
wss.on('connection', (socket) => {
  socket.on('error', () => {});
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});
http.listen(0, '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo;
  serveStats({ type: 'ready', url: `http://127.0.0.1:${port}` });
});
