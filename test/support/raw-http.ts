/** Raw HTTP over a TCP socket, for requests fetch refuses to send (bad Host, fake gzip, lying lengths). */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** Parses the first complete HTTP/1.1 response (with Content-Length) out of `data`, or null. */
function parseResponse(data: Buffer): RawResponse | null {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const length = Number(headers.get('content-length') ?? 0);
  const body = data.subarray(end + 4);
  if (body.length < length) return null;
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    text: body.subarray(0, length).toString('utf8'),
  };
}

/**
 * Writes `request` (head and body as given, byte for byte) and resolves with the response. The socket
 * stays open for writing: the server must answer without waiting for a body it refuses.
 */
export function rawRequest(port: number, request: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no response; got: ${data.toString('latin1').slice(0, 300)}`));
    }, 5_000);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const response = parseResponse(data);
      if (response) {
        clearTimeout(timer);
        socket.destroy();
        resolve(response);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`connection closed; got: ${data.toString('latin1').slice(0, 300)}`));
    });
    socket.write(request);
  });
}

/**
 * Sends a chunked body without end, chunk after chunk, until the server answers; gives up (and closes
 * the socket) after `timeoutMs`, so a server that never refuses fails the test instead of hanging it.
 */
export function endlessChunkedUpload(
  port: number,
  head: string,
  chunk: Buffer,
  timeoutMs = 5_000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let answered = false;
    let sent = 0;
    const timer = setTimeout(() => {
      reject(new Error(`no response within ${timeoutMs} ms after ${sent} bytes`));
      answered = true;
      socket.destroy();
    }, timeoutMs);
    const frame = Buffer.concat([
      Buffer.from(`${chunk.length.toString(16)}\r\n`),
      chunk,
      Buffer.from('\r\n'),
    ]);
    const pump = () => {
      // Bounded: give up after 64 MiB, far past any limit under test.
      while (!answered && !socket.destroyed && sent < 64 * 1024 * 1024) {
        sent += chunk.length;
        if (!socket.write(frame)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (!answered) reject(err);
    });
    socket.on('data', (piece: Buffer) => {
      data = Buffer.concat([data, piece]);
      const response = parseResponse(data);
      if (response && !answered) {
        answered = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(response);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (!answered) reject(new Error(`closed without a response after ${sent} bytes`));
    });
    socket.write(head);
    pump();
  });
}
