/** Seeds conversations through the real store, as the chat runtime would write them. */
import type { HistoryEvent } from '../../src/engine/history.ts';
import type { Store } from '../../src/store/store.ts';

export const at = (seconds: number) =>
  new Date(Date.UTC(2025, 5, 1, 9, 0, 0) + seconds * 1_000).toISOString();

/** One of each event type (the data shapes of README, History). */
export const SAMPLE_TURN: readonly HistoryEvent[] = [
  { type: 'block.entered', data: { blockId: 'welcome', blockType: 'message' } },
  { type: 'message.bot', data: { messageId: 'm1', blockId: 'welcome', text: 'Hi 👋', options: ['Weather'] } },
  { type: 'message.user', data: { text: 'will it rain?', clientMessageId: 'c1' } },
  {
    type: 'intent.detected',
    data: {
      blockId: 'route',
      intent: 'weather',
      confidence: 0.9,
      provider: 'local',
      latencyMs: 3,
      cached: false,
      fallback: false,
    },
  },
  { type: 'intent.no_match', data: { blockId: 'route', count: 1, provider: 'local', latencyMs: 2 } },
  {
    type: 'intent.error',
    data: {
      blockId: 'route',
      provider: 'openai',
      code: 'PROVIDER_TIMEOUT',
      message: 'timed out',
      latencyMs: 8000,
    },
  },
  { type: 'conversation.resumed', data: {} },
];

/** Creates `count` conversations started one second apart (index 0 oldest); returns their ids. */
export async function seedConversations(store: Store, count: number, prefix = 'conv'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${String(i).padStart(3, '0')}`;
    await store.createConversation(
      {
        id,
        flowVersion: 1,
        resumeTokenHash: 'secret-hash',
        state: { blockId: 'ask' },
        status: 'active',
        at: at(i),
      },
      [{ type: 'conversation.started', data: { flowVersion: 1 } }],
    );
    ids.push(id);
  }
  return ids;
}

/** Appends a full turn and ends the conversation. */
export async function playAndEnd(store: Store, id: string, seconds: number): Promise<void> {
  await store.appendTurn({
    conversationId: id,
    events: [...SAMPLE_TURN, { type: 'conversation.ended', data: { reason: 'end_block' } }],
    state: { blockId: 'bye' },
    status: 'ended',
    at: at(seconds),
  });
}
