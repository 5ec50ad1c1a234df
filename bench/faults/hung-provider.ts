/**
 * A hung provider: intent blocks in `auto` mode, OpenAI configured, and the (fake) OpenAI server never
 * answers. The promise: every turn still gets the offline classifier's answer within INTENT_TIMEOUT_MS
 * (plus a margin for the turn's own work), none ends in PROVIDER_TIMEOUT, and the history marks each
 * answer as a fallback.
 */
import { join } from 'node:path';
import { intentFlow } from '../load/flows.ts';
import { type ScenarioResult, startChatflow, uploadFlow } from './harness.ts';
import { tally, verdictOf } from './ledger.ts';
import { hungLlm, llmEnv } from './llm.ts';
import { startConversations, textOf } from './load.ts';
import type { ScenarioContext } from './scenario.ts';

/**
 * Long enough for two OpenAI attempts (40 % of the deadline each) and their backoff, so the third
 * attempt is cut by the deadline itself: the case where the fallback has no time left.
 */
const INTENT_TIMEOUT_MS = 4_000;
/** What a turn may take beyond the classification deadline: storing and sending, on a busy machine. */
const MARGIN_MS = 1_000;
const CLIENTS = 4;
const TURNS = 3;

/** The bench's intent flow in `auto` mode, with a distinct block for a classification error. */
function autoFlow(): string {
  const flow = JSON.parse(intentFlow('openai'));
  const route = flow.blocks.find((b: { id: string }) => b.id === 'route');
  Object.assign(route, { provider: 'auto', onError: 'provider-failed' });
  flow.blocks.push({ id: 'provider-failed', type: 'message', text: 'The classifier failed.', next: 'ask' });
  return JSON.stringify(flow);
}

export async function hungProvider(name: string, context: ScenarioContext): Promise<ScenarioResult> {
  const fake = await hungLlm();
  const instance = await startChatflow({
    DATA_DIR: join(context.tmp, 'hung-provider'),
    INTENT_TIMEOUT_MS: String(INTENT_TIMEOUT_MS),
    ...llmEnv(fake, 'auto'),
  });
  try {
    await uploadFlow(instance, autoFlow());
    const conversations = await startConversations(instance, CLIENTS, 'hung');
    await Promise.all(
      conversations.map(async (conversation, client) => {
        for (let turn = 0; turn < TURNS && conversation.open; turn += 1) {
          conversation.send(textOf(client, turn), `${conversation.label}.${turn}`);
          await conversation.settle(INTENT_TIMEOUT_MS + MARGIN_MS);
          // A turn still open would delay the next one: this conversation has failed already.
          if (conversation.pending > 0) break;
        }
      }),
    );
    const counts = await tally(instance, conversations);
    const sent = conversations.flatMap((c) => c.sent);
    const late = sent.filter(
      (s) => s.outcome !== 'acknowledged' || (s.settledAt ?? 0) - s.sentAt > INTENT_TIMEOUT_MS + MARGIN_MS,
    ).length;
    const failed = sent.filter((s) => s.replies.some((r) => r.blockId === 'provider-failed')).length;
    const events = [...counts.histories.values()].flatMap((h) => h.events);
    const timeouts = events.filter(
      (e) => e.type === 'intent.error' && e.data.code === 'PROVIDER_TIMEOUT',
    ).length;
    const slowest = Math.max(0, ...sent.map((s) => (s.settledAt ?? Number.POSITIVE_INFINITY) - s.sentAt));
    // The provider never answered: every local answer is a fallback, and the history must say so.
    const unmarked = events.filter(
      (e) => (e.type === 'intent.detected' || e.type === 'intent.no_match') && e.data.fallback !== true,
    ).length;
    const problems = [
      ...(unmarked > 0 ? [`${unmarked} local answer(s) not marked fallback in history`] : []),
      ...(late > 0
        ? [`${late}/${sent.length} turns not answered within ${INTENT_TIMEOUT_MS + MARGIN_MS} ms`]
        : []),
      ...(failed > 0 || timeouts > 0
        ? [`${failed} turns went to onError (${timeouts} PROVIDER_TIMEOUT in history)`]
        : []),
      ...(fake.requests.length === 0 ? ['the provider was never asked'] : []),
    ];
    const slowestText = Number.isFinite(slowest) ? `${Math.round(slowest)} ms` : 'unanswered';
    return {
      scenario: name,
      ...verdictOf(counts, problems, [
        `${sent.length} turns, slowest ${slowestText}; INTENT_TIMEOUT_MS ${INTENT_TIMEOUT_MS}`,
      ]),
    };
  } finally {
    await instance.stop();
    await fake.close();
  }
}
