/**
 * The WebSocket chat endpoint (`/ws`, docs/websocket-protocol.md), on the same HTTP server as the REST API.
 * Handshake checks (path, Origin, connection count) answer with plain HTTP before any upgrade.
 */
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { ConversationRuntime } from '../conversation/runtime.ts';
import { WS_FIXED_LIMITS, type WsLimits } from './limits.ts';
import { CLOSE_CODES, errorFrame, parseLastSeq } from './protocol.ts';
import { ResumeFrameGate, type ResumeRequest, resumesByFrame } from './resume-frame.ts';
import { CLOSE_REASONS, Session } from './session.ts';

export const WS_PATH = '/ws';

export interface ChatServerOptions {
  runtime: ConversationRuntime;
  limits: WsLimits;
  /** Normalised `scheme://host[:port]` origins; empty allows every Origin. */
  allowedOrigins: readonly string[];
  logger: Logger;
}

export interface ChatServer {
  readonly connections: number;
  /** Closes every socket with 1001 and stops accepting. */
  close(): Promise<void>;
}

function refuse(socket: Duplex, status: number, text: string): void {
  const body = JSON.stringify({
    error: { code: status === 403 ? 'FORBIDDEN' : 'UNAVAILABLE', message: text },
  });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function originAllowed(request: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = request.headers.origin;
  // Non-browser clients send no Origin; the allow-list protects browsers (docs/websocket-protocol.md, Limits).
  if (allowed.length === 0 || origin === undefined) return true;
  if (!URL.canParse(origin)) return false;
  return allowed.includes(new URL(origin).origin);
}

export function attachChatServer(http: HttpServer, options: ChatServerOptions): ChatServer {
  const { runtime, limits, logger } = options;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxFrameBytes,
    maxFragments: WS_FIXED_LIMITS.maxFragments,
    // Never negotiated: a zlib context per socket costs more memory than chat frames would save.
    perMessageDeflate: false,
    // `sessions` below tracks the sockets; ws's own tracking would add a Set entry and a closure per socket.
    clientTracking: false,
  } as ConstructorParameters<typeof WebSocketServer>[0]);
  wss.on('error', (err) => logger.error({ err }, 'WebSocket server error'));
  // Keyed by socket so that the listeners below are shared by every socket: a closure per socket and
  // event (capturing the upgrade's request URL) cost more memory than the session itself.
  const sessions = new Map<WebSocket, Session>();
  const onUpgradeSocketError = (err: Error) => logger.debug({ err }, 'upgrade socket error');
  const onError = (err: Error) => logger.debug({ err }, 'WebSocket error');
  function onPong(this: WebSocket): void {
    const session = sessions.get(this);
    if (session) session.alive = true;
  }
  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    if (resumeGate.take(this, data, isBinary)) return;
    sessions.get(this)?.onFrame(data, isBinary);
  }
  function onClose(this: WebSocket): void {
    const session = sessions.get(this);
    sessions.delete(this);
    resumeGate.forget(this);
    session?.unbind();
  }

  function accept(ws: WebSocket, socket: Duplex, query: URLSearchParams): void {
    const session = new Session(ws, socket, limits, runtime);
    sessions.set(ws, session);
    ws.on('error', onError);
    ws.on('pong', onPong);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    if (resumesByFrame(query)) resumeGate.expect(ws, session);
    else void openByQuery(session, query);
  }

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', onUpgradeSocketError);
    const url = URL.canParse(request.url ?? '', 'http://localhost')
      ? new URL(request.url ?? '', 'http://localhost')
      : null;
    if (url?.pathname !== WS_PATH) return refuse(socket, 404, 'Not Found');
    if (!originAllowed(request, options.allowedOrigins)) return refuse(socket, 403, 'Forbidden');
    if (sessions.size >= limits.maxConnections) return refuse(socket, 503, 'Service Unavailable');
    const query = url.searchParams;
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, socket, query));
  });

  function openByQuery(session: Session, query: URLSearchParams): Promise<void> {
    const conversationId = query.get('conversationId');
    if (conversationId === null) return open(session, null);
    const lastSeq = parseLastSeq(query.get('lastSeq'));
    if (!lastSeq.ok) {
      session.send(errorFrame('INVALID_LAST_SEQ'));
      session.close(CLOSE_CODES.policyViolation, 'invalid lastSeq');
      return Promise.resolve();
    }
    return open(session, {
      conversationId,
      resumeToken: query.get('resumeToken') ?? '',
      ...(lastSeq.lastSeq === undefined ? {} : { lastSeq: lastSeq.lastSeq }),
    });
  }
  const resumeGate = new ResumeFrameGate((session, request) => void open(session, request));

  /** Starts a conversation (`resume` null) or resumes one, by query or by frame alike. */
  async function open(session: Session, resume: ResumeRequest | null): Promise<void> {
    const result =
      resume === null
        ? await runtime.start(session)
        : await runtime.resume(resume.conversationId, resume.resumeToken, session, resume.lastSeq);
    if (result.ok) {
      session.bind(result.conversation);
      return;
    }
    if (result.code === 'TAKEN_OVER') {
      // A newer resume of the same conversation won: this socket is treated like an evicted holder.
      session.close(CLOSE_CODES.takenOver, CLOSE_REASONS.takenOver);
      return;
    }
    session.send(errorFrame(result.code));
    const code =
      result.code === 'RESUME_REFUSED'
        ? CLOSE_CODES.resumeRefused
        : result.code === 'CONVERSATION_ENDED'
          ? CLOSE_CODES.normal
          : result.code === 'SERVER_SHUTTING_DOWN'
            ? CLOSE_CODES.goingAway
            : CLOSE_CODES.internalError;
    session.close(code, result.code);
  }

  const heartbeat = setInterval(() => {
    for (const session of sessions.values()) session.heartbeat();
  }, limits.pingIntervalMs);
  heartbeat.unref();

  return {
    get connections() {
      return sessions.size;
    },
    async close() {
      clearInterval(heartbeat);
      resumeGate.close();
      for (const session of sessions.values()) session.close(CLOSE_CODES.goingAway, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
