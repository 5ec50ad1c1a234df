/**
 * Load for the crash scenarios: every conversation keeps one message in flight (a closed loop) until
 * told to stop or its socket closes. Texts come from the load bench's generator, each message with a
 * unique clientMessageId so the history can be matched against what was acknowledged.
 */
import { intentMessage } from '../load/flows.ts';
import { type Instance, pause } from './harness.ts';
import { Conversation } from './ledger.ts';

/** How long one turn may take under load before the client gives up on it. */
const TURN_TIMEOUT_MS = 10_000;
/** After a refusal (e.g. the database is down), wait this long before the next message: no busy loop. */
const BACKOFF_MS = 100;

export const textOf = (client: number, sequence: number): string =>
  (JSON.parse(intentMessage(client, sequence)) as { text: string }).text;

export async function startConversations(instance: Instance, count: number, label: string) {
  return Promise.all(Array.from({ length: count }, (_, i) => Conversation.start(instance, `${label}-${i}`)));
}

export interface Loop {
  stop(): Promise<void>;
}

/**
 * Runs the closed loop on `conversations` until `stop()` (which waits for the loops to finish). A
 * conversation's loop ends when its socket closes; once resumed, it needs a new loop.
 */
export function closedLoop(conversations: readonly Conversation[]): Loop {
  let running = true;
  const loops = conversations.map(async (conversation, client) => {
    const socket = conversation.chat;
    while (running && conversation.chat === socket && conversation.open) {
      const sequence = conversation.sent.length;
      if (!conversation.send(textOf(client, sequence), `${conversation.label}.${sequence}`)) break;
      await conversation.settle(TURN_TIMEOUT_MS);
      if (conversation.sent.at(-1)?.outcome === 'refused') await pause(BACKOFF_MS);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Resumes every conversation on `instance` and waits (bounded) for each to be at a `wait` again. */
export async function resumeAll(instance: Instance, conversations: readonly Conversation[]): Promise<void> {
  await Promise.all(
    conversations.map(async (conversation) => {
      const chat = await conversation.resume(instance);
      await chat.until((f) => f.some((x) => x.type === 'waiting'), 'waiting after resume', 10_000);
      conversation.update();
    }),
  );
}
