/**
 * What the chat keeps to resume its conversation (docs/websocket-protocol.md, Resume): the id, the
 * token, and the `seq` of the last bot message shown, so a resume replays exactly what was missed.
 */

import type { ResumeFrame } from '../../../src/ws/protocol.ts';

export interface Resume {
  conversationId: string;
  resumeToken: string;
  /** The `seq` of the last `message` frame shown; absent until one with a seq arrived. */
  lastSeq?: number;
}

const isSeq = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** The stored resume record, or null when there is none or it is not one we wrote. */
export function parseResume(text: string | null): Resume | null {
  let value: Partial<Resume> | null;
  try {
    value = JSON.parse(text ?? 'null') as Partial<Resume> | null;
  } catch {
    return null;
  }
  if (typeof value?.conversationId !== 'string' || typeof value.resumeToken !== 'string') return null;
  const resume: Resume = { conversationId: value.conversationId, resumeToken: value.resumeToken };
  return isSeq(value.lastSeq) ? { ...resume, lastSeq: value.lastSeq } : resume;
}

/**
 * The socket URL on the page's host: `/ws` for a new conversation, `/ws?resume` for a resume, whose
 * id and token then go in the first frame (resumeFrame), never in the URL that proxies log.
 */
export function chatUrl(page: string, resume: Resume | null): URL {
  const url = new URL(resume ? '/ws?resume' : '/ws', page);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url;
}

/** The first frame of a `/ws?resume` socket: it resumes, and asks for what was missed after lastSeq. */
export function resumeFrame(resume: Resume): ResumeFrame {
  return {
    type: 'resume',
    conversationId: resume.conversationId,
    resumeToken: resume.resumeToken,
    ...(resume.lastSeq === undefined ? {} : { lastSeq: resume.lastSeq }),
  };
}

/**
 * Whether a `message` frame is one not shown yet. Frames come in seq order on a socket, and a resume
 * replays from where the last one stopped, so any seq not above the last one shown is a repeat (a
 * reply replayed after a resent message). A frame without seq (an older server) is always new.
 */
export function isNewMessage(seq: number | undefined, lastSeq: number | undefined): boolean {
  return seq === undefined || lastSeq === undefined || seq > lastSeq;
}
