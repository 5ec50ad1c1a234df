/** Client → server frames: parsed and checked here, so the rest of the server sees only valid messages. */
import { z } from 'zod';
import type { FrameErrorCode } from '../conversation/frames.ts';

export const PROTOCOL_LIMITS = { maxClientMessageIdChars: 128 } as const;

const messageFrame = z.object({
  type: z.literal('message'),
  text: z.string(),
  clientMessageId: z.string().min(1).max(PROTOCOL_LIMITS.maxClientMessageIdChars).optional(),
});

export type UserMessage = { text: string; clientMessageId?: string };

export type ParsedFrame =
  | { ok: true; message: UserMessage }
  | { ok: false; code: FrameErrorCode; message?: string };

const codePoints = (text: string): number => {
  let count = 0;
  for (const _ of text) count++;
  return count;
};

export function parseClientFrame(data: string, maxTextChars: number): ParsedFrame {
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return { ok: false, code: 'INVALID_JSON' };
  }
  const type = typeof frame === 'object' && frame !== null ? (frame as { type?: unknown }).type : undefined;
  if (type !== 'message') {
    return {
      ok: false,
      code: 'UNKNOWN_TYPE',
      message: `unknown frame type ${JSON.stringify(type ?? null)}; expected "message"`,
    };
  }
  const parsed = messageFrame.safeParse(frame);
  if (!parsed.success || parsed.data.text.trim() === '') return { ok: false, code: 'INVALID_MESSAGE' };
  const { text, clientMessageId } = parsed.data;
  if (text.length > maxTextChars && codePoints(text) > maxTextChars) {
    return {
      ok: false,
      code: 'TEXT_TOO_LONG',
      message: `the text is longer than ${maxTextChars} characters`,
    };
  }
  return { ok: true, message: { text, ...(clientMessageId ? { clientMessageId } : {}) } };
}

/** The resume URL's `lastSeq`: digits only, so "1e3", "-1", "0x10" and "" are refused. */
const LAST_SEQ = /^\d{1,15}$/;

/**
 * `lastSeq` of a resume URL (the `seq` of the last `message` frame the client saw): absent (null) is
 * fine and asks for no replay; anything but an integer ≥ 0 is refused.
 */
export function parseLastSeq(value: string | null): { ok: true; lastSeq?: number } | { ok: false } {
  if (value === null) return { ok: true };
  return LAST_SEQ.test(value) ? { ok: true, lastSeq: Number(value) } : { ok: false };
}
