/**
 * The WebSocket chat endpoint (`/ws`, docs/websocket-protocol.md), on the same HTTP server as the REST API.
 * Handshake checks (path, Origin, per-address handshake rate and sockets, connection count) answer with
 * plain HTTP before any upgrade.
 */
import { type Server as HttpServer, type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { ConversationRuntime } from '../conversation/runtime.ts';
import { type AddressEntry, AddressLimits } from './address-limits.ts';
import { WS_FIXED_LIMITS, type WsLimits } from './limits.ts';
import {
  CLOSE_CODES,
  errorFrame,
  HANDSHAKE_REFUSALS,
  type HandshakeRefusal,
  parseLastSeq,
} from './protocol.ts';
import { ResumeFrameGate, type ResumeRequest, resumesByFrame } from './resume-frame.ts';
import { CLOSE_REASONS, Session } from './session.ts';
import { verifyUserQuery } from './user-signature.ts';

export const WS_PATH = '/ws';

export interface ChatServerOptions {
  runtime: ConversationRuntime;
  limits: WsLimits;
  /** Normalised `scheme://host[:port]` origins; empty allows every Origin. */
  allowedOrigins: readonly string[];
  /** The client address of an upgrade request (clientAddressResolver(TRUST_PROXY)): per-address limits and logs. */
  clientAddressOf: (request: IncomingMessage) => string;
  logger: Logger;
  /** CHAT_USER_SECRET: verifies the signed user id a handshake may carry; unset refuses any. */
  userSecret?: string | undefined;
  now?: () => Date;
}

export interface ChatServer {
  readonly connections: number;
  /** Client addresses whose per-address counters are held (bounded; see AddressLimits). */
  readonly trackedAddresses: number;
  /** Closes every socket with 1001 and stops accepting. */
  close(): Promise<void>;
}

/** Answers a refused upgrade with an HTTP status and a JSON error body, and closes the socket. */
function respond(
  socket: Duplex,
  status: number,
  error: { code: string; message: string },
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ error });
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function refuse(socket: Duplex, refusal: HandshakeRefusal, headers: Record<string, string> = {}): void {
  const { status, message } = HANDSHAKE_REFUSALS[refusal];
  respond(socket, status, { code: refusal, message }, headers);
}

function originAllowed(request: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = request.headers.origin;
  // Non-browser clients send no Origin; the allow-list protects browsers (docs/websocket-protocol.md, Limits).
  if (allowed.length === 0 || origin === undefined) return true;
  if (!URL.canParse(origin)) return false;
  return allowed.includes(new URL(origin).origin);
}

export function attachChatServer(http: HttpServer, options: ChatServerOptions): ChatServer {
  const { runtime, limits, logger, clientAddressOf } = options;
  const addresses = new AddressLimits(limits);
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
    if (session) session.client.sockets--;
    resumeGate.forget(this);
    session?.unbind();
  }

  function accept(
    ws: WebSocket,
    socket: Duplex,
    query: URLSearchParams,
    clientAddress: string,
    client: AddressEntry,
    userId: string | undefined,
  ): void {
    const session = new Session(ws, socket, limits, runtime, clientAddress, client);
    client.sockets++;
    sessions.set(ws, session);
    logger.debug({ clientAddress }, 'WebSocket connected');
    ws.on('error', onError);
    ws.on('pong', onPong);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    if (resumesByFrame(query)) resumeGate.expect(ws, session);
    else void openByQuery(session, query, userId);
  }
  const now = options.now ?? (() => new Date());

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', onUpgradeSocketError);
    const url = URL.canParse(request.url ?? '', 'http://localhost')
      ? new URL(request.url ?? '', 'http://localhost')
      : null;
    if (url?.pathname !== WS_PATH) return refuse(socket, 'NOT_FOUND');
    if (!originAllowed(request, options.allowedOrigins)) return refuse(socket, 'FORBIDDEN');
    const clientAddress = clientAddressOf(request);
    const admission = addresses.admit(clientAddress);
    if (!admission.ok) {
      logger.debug({ clientAddress, reason: admission.reason }, 'WebSocket handshake refused');
      return admission.reason === 'TOO_MANY_HANDSHAKES'
        ? refuse(socket, admission.reason, { 'Retry-After': String(admission.retryAfterSeconds) })
        : refuse(socket, admission.reason);
    }
    if (sessions.size >= limits.maxConnections) return refuse(socket, 'UNAVAILABLE');
    const query = url.searchParams;
    const client = admission.entry;
    const user = verifyUserQuery(query, options.userSecret, Math.floor(now().getTime() / 1_000));
    if (!user.ok) {
      return respond(socket, user.status, { code: user.code, message: user.message });
    }
    wss.handleUpgrade(request, socket, head, (ws) =>
      accept(ws, socket, query, clientAddress, client, user.userId),
    );
  });

  /** `userId`: the signed user id of the handshake, kept on a new conversation. */
  function openByQuery(session: Session, query: URLSearchParams, userId: string | undefined): Promise<void> {
    const conversationId = query.get('conversationId');
    if (conversationId === null) return open(session, null, userId);
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
  async function open(session: Session, resume: ResumeRequest | null, userId?: string): Promise<void> {
    const result =
      resume === null
        ? await runtime.start(session, userId === undefined ? {} : { userId })
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
    const now = performance.now();
    for (const session of sessions.values()) session.heartbeat(now);
    addresses.sweep();
  }, limits.pingIntervalMs);
  heartbeat.unref();

  return {
    get connections() {
      return sessions.size;
    },
    get trackedAddresses() {
      return addresses.size;
    },
    async close() {
      clearInterval(heartbeat);
      resumeGate.close();
      for (const session of sessions.values()) session.close(CLOSE_CODES.goingAway, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
