/**
 * The `ws` server both echo baselines run on: loopback, an ephemeral port, and the bench's IPC stats
 * (child-protocol.ts) once it listens. Each text frame goes to `onMessage`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { serveStats } from './child-protocol.ts';

export function listenWebSocket(onMessage: (socket: WebSocket, data: RawData) => void): void {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, maxPayload: 16_384 });
  wss.on('error', () => {});
  wss.on('connection', (socket) => {
    socket.on('error', () => {});
    socket.on('message', (data) => onMessage(socket, data));
  });
  http.listen(0, '127.0.0.1', () => {
    const { port } = http.address() as AddressInfo;
    serveStats({ type: 'ready', url: `http://127.0.0.1:${port}` });
  });
}
