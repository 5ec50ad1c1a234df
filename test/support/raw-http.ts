/** Raw HTTP over a TCP socket, for requests fetch refuses to send (bad Host, fake gzip, lying lengths). */
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** Parses the first complete HTTP/1.1 response (with Content-Length) out of `data`, or null. */
function parseResponse(data: Buffer): RawResponse | null {
  return parseResponseAndSize(data)?.response ?? null;
}

/** The first complete response and how many bytes of `data` it took, or null. */
function parseResponseAndSize(data: Buffer): { response: RawResponse; size: number } | null {
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
    response: {
      status: Number(statusLine.split(' ')[1]),
      headers,
      text: body.subarray(0, length).toString('utf8'),
    },
    size: end + 4 + length,
  };
}

/**
 * Writes `first` and reads responses, handing each to `onResponse` until it says it is the final one
 * (it may write more on the socket meanwhile); resolves with that final response.
 */
function converse(
  port: number,
  first: string | Buffer,
  onResponse: (response: RawResponse, socket: Socket) => boolean,
): Promise<RawResponse> {
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
      for (let parsed = parseResponseAndSize(data); parsed; parsed = parseResponseAndSize(data)) {
        data = data.subarray(parsed.size);
        if (onResponse(parsed.response, socket)) {
          clearTimeout(timer);
          socket.destroy();
          resolve(parsed.response);
          return;
        }
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`connection closed; got: ${data.toString('latin1').slice(0, 300)}`));
    });
    socket.write(first);
  });
}

/**
 * Writes `request` (head and body as given, byte for byte) and resolves with the response. The socket
 * stays open for writing: the server must answer without waiting for a body it refuses.
 */
export function rawRequest(port: number, request: string | Buffer): Promise<RawResponse> {
  return converse(port, request, () => true);
}

/**
 * A client that sends `head` (which carries `Expect: 100-continue`) and sends `body` only after the
 * server answered 100 Continue, as curl does. Resolves with whether 100 came and the final response.
 */
export async function expectContinueRequest(
  port: number,
  head: string,
  body: string,
): Promise<{ continued: boolean; response: RawResponse }> {
  let continued = false;
  const response = await converse(port, head, (answer, socket) => {
    if (answer.status !== 100 || continued) return true;
    continued = true;
    socket.write(body);
    return false;
  });
  return { continued, response };
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
