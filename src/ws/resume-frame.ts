/**
 * Resume by frame: a connection opened as `/ws?resume` carries no conversation id nor token in its URL
 * (proxies and access logs record URLs); its first frame is `{"type":"resume",…}` instead. Until that
 * frame arrives the socket has no conversation. A first frame that is not a valid resume gets the error
 * code the query form would get, and the socket is closed: it has nothing else to do.
 */
import type { RawData, WebSocket } from 'ws';
import { CLOSE_CODES, errorFrame, parseResumeFrame, RESUME_BY_FRAME_FLAG } from './protocol.ts';
import type { Session } from './session.ts';

/** How long a `/ws?resume` connection may take to send its resume frame. */
export const RESUME_FRAME_TIMEOUT_MS = 10_000;

export interface ResumeRequest {
  conversationId: string;
  resumeToken: string;
  lastSeq?: number;
}

/** `/ws?resume` without a conversationId (a URL that names one resumes by query, as before). */
export function resumesByFrame(query: URLSearchParams): boolean {
  return query.has(RESUME_BY_FRAME_FLAG) && !query.has('conversationId');
}

export class ResumeFrameGate {
  private readonly waiting = new Map<WebSocket, { session: Session; timer: NodeJS.Timeout }>();
  private readonly resume: (session: Session, request: ResumeRequest) => void;
  private readonly timeoutMs: number;

  constructor(
    resume: (session: Session, request: ResumeRequest) => void,
    timeoutMs = RESUME_FRAME_TIMEOUT_MS,
  ) {
    this.resume = resume;
    this.timeoutMs = timeoutMs;
  }

  /** The socket's first frame will be its resume. */
  expect(ws: WebSocket, session: Session): void {
    const timer = setTimeout(() => {
      this.waiting.delete(ws);
      session.send(errorFrame('RESUME_REFUSED', 'no resume frame came in time'));
      session.close(CLOSE_CODES.policyViolation, 'no resume frame');
    }, this.timeoutMs);
    timer.unref();
    this.waiting.set(ws, { session, timer });
  }

  /** Handles the socket's first frame and returns true; false when the socket waits for none. */
  take(ws: WebSocket, data: RawData, isBinary: boolean): boolean {
    const entry = this.waiting.get(ws);
    if (entry === undefined) return false;
    this.forget(ws);
    const { session } = entry;
    if (isBinary) {
      session.close(CLOSE_CODES.unsupportedData, 'binary frames are not supported');
      return true;
    }
    const parsed = parseResumeFrame(String(data));
    if (parsed.ok) {
      this.resume(session, parsed.resume);
      return true;
    }
    session.send(errorFrame(parsed.code, parsed.message));
    session.close(
      parsed.code === 'RESUME_REFUSED' ? CLOSE_CODES.resumeRefused : CLOSE_CODES.policyViolation,
      parsed.code,
    );
    return true;
  }

  /** The socket closed (or sent its frame). */
  forget(ws: WebSocket): void {
    const entry = this.waiting.get(ws);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.waiting.delete(ws);
  }

  close(): void {
    for (const ws of [...this.waiting.keys()]) this.forget(ws);
  }
}
