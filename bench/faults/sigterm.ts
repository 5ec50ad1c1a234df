/**
 * SIGTERM with slow turns: the LLM (the fake OpenAI server) answers in SLOW_LLM_MS. Some conversations
 * are in the middle of a classification when the server gets SIGTERM; others send their message just
 * after it. The promise: every message either got its full answer before its socket closed, or was
 * refused up front with `SERVER_SHUTTING_DOWN` and not stored. None is cut in the middle.
 */
import { join } from 'node:path';
import { intentFlow } from '../load/flows.ts';
import { pollUntil, type ScenarioResult, startChatflow, uploadFlow } from './harness.ts';
import { type Conversation, tally, verdictOf } from './ledger.ts';
import { llmEnv, slowLlm } from './llm.ts';
import { startConversations, textOf } from './load.ts';
import type { ScenarioContext } from './scenario.ts';

const SLOW_LLM_MS = 1_500;
const SHUTDOWN_TIMEOUT_MS = 10_000;
/** Conversations mid-turn at SIGTERM, and conversations sending right after it. */
const MID_TURN = 8;
const AFTER_SIGTERM = 8;

/** What became of each message, named after the promise above: answered, refused up front, or half-done. */
function judge(conversations: readonly Conversation[], stored: (c: Conversation, id: string) => boolean) {
  const outcomes = new Map<string, number>();
  for (const conversation of conversations) {
    for (const sent of conversation.update()) {
      const isStored = stored(conversation, sent.clientMessageId);
      let outcome: string;
      if (sent.outcome === 'acknowledged')
        outcome = sent.replies.length > 0 ? 'answered' : 'ended without a reply';
      else if (sent.outcome === 'refused' && sent.code === 'SERVER_SHUTTING_DOWN')
        outcome = isStored ? 'refused but stored' : 'refused up front';
      else if (sent.outcome === 'refused') outcome = `refused with ${sent.code}`;
      else outcome = isStored ? 'cut: stored, never answered' : 'closed without an answer or a refusal';
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
  }
  return outcomes;
}

export async function sigtermSlowTurns(name: string, context: ScenarioContext): Promise<ScenarioResult> {
  // Turns that start after SIGTERM are slower still: cut at the close, they could not go unnoticed.
  let delayMs = SLOW_LLM_MS;
  const fake = await slowLlm(() => delayMs);
  const env = {
    DATA_DIR: join(context.tmp, 'sigterm'),
    ...llmEnv(fake, 'openai'),
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  };
  let instance = await startChatflow(env);
  try {
    await uploadFlow(instance, intentFlow('openai'));
    const midTurn = await startConversations(instance, MID_TURN, 'busy');
    const after = await startConversations(instance, AFTER_SIGTERM, 'late');
    for (const [i, c] of midTurn.entries()) c.send(textOf(i, 0), `${c.label}.0`);
    const classifying = await pollUntil(() => fake.requests.length >= MID_TURN, 5_000);
    delayMs = 2 * SLOW_LLM_MS;
    const exited = instance.signal('SIGTERM', SHUTDOWN_TIMEOUT_MS + 5_000);
    // The late messages must reach a server that knows it is stopping.
    await instance.process.waitForLog((line) => line.msg === 'shutting down');
    const notSent = after.filter((c, i) => !c.send(textOf(MID_TURN + i, 0), `${c.label}.0`)).length;
    const everyone = [...midTurn, ...after];
    await pollUntil(() => everyone.every((c) => c.chat.closed !== null), SHUTDOWN_TIMEOUT_MS + 5_000);
    const exit = await exited;
    instance = await startChatflow(env);
    const counts = await tally(instance, everyone);
    const outcomes = judge(everyone, (c, id) => counts.histories.get(c)?.userMessages.has(id) ?? false);
    const acceptable = new Set(['answered', 'refused up front']);
    const bad = [...outcomes].filter(([outcome]) => !acceptable.has(outcome));
    const summary = [...outcomes].map(([outcome, n]) => `${outcome}: ${n}`).join(', ');
    const problems = [
      ...(classifying ? [] : ['the turns never reached the LLM before SIGTERM']),
      ...(exit.code === 0 ? [] : [`exit ${exit.code ?? exit.signal}`]),
      ...(bad.length > 0 ? [`half-done: ${bad.map(([o, n]) => `${o}: ${n}`).join(', ')}`] : []),
    ];
    const notes = [`${summary}${notSent > 0 ? `; ${notSent} socket(s) closed before their message` : ''}`];
    return { scenario: name, ...verdictOf(counts, problems, bad.length > 0 ? [] : notes) };
  } finally {
    await instance.stop();
    await fake.close();
  }
}
