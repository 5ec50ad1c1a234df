/**
 * PostgreSQL stopped and started under load (turns through a slow LLM), the server left running: while the database is down a
 * message may be refused (`STORE_UNAVAILABLE`), never acknowledged and lost; a refusal that says "not
 * processed" must not have been stored; and once the database is back every conversation completes a
 * turn again, on its own socket, or by resuming if the server closed that socket.
 */
import { join } from 'node:path';
import { intentFlow } from '../load/flows.ts';
import { pause, pollUntil, type ScenarioResult, startChatflow, uploadFlow } from './harness.ts';
import { tally, verdictOf } from './ledger.ts';
import { llmEnv, slowLlm } from './llm.ts';
import { closedLoop, resumeAll, startConversations } from './load.ts';
import type { ScenarioContext } from './scenario.ts';

const CLIENTS = 20;
/** Turns go through an LLM this slow, so the outage catches turns between their two transactions. */
const LLM_MS = 300;
const LOAD_BEFORE_MS = 1_500;
const OUTAGE_MS = 2_000;
/** How long after the restart every conversation has to complete a turn. */
const RECOVERY_MS = 10_000;

export async function postgresRestart(name: string, context: ScenarioContext): Promise<ScenarioResult> {
  const postgres = await context.postgres();
  const databaseUrl = await postgres.createDatabase('faults_restart');
  const llm = await slowLlm(LLM_MS);
  const instance = await startChatflow({
    DATA_DIR: join(context.tmp, 'pg-restart'),
    DATABASE_URL: databaseUrl,
    ...llmEnv(llm, 'openai'),
  });
  try {
    await uploadFlow(instance, intentFlow('openai'));
    const conversations = await startConversations(instance, CLIENTS, 'r');
    const loop = closedLoop(conversations);
    await pause(LOAD_BEFORE_MS);
    await postgres.stop();
    await pause(OUTAGE_MS);
    await postgres.start();
    const restartedAt = performance.now();
    const reopened = conversations.filter((c) => !c.open);
    await resumeAll(instance, reopened);
    const reloop = closedLoop(reopened);
    const recovered = () =>
      conversations.filter((c) =>
        c.update().some((s) => s.outcome === 'acknowledged' && s.sentAt > restartedAt),
      );
    await pollUntil(() => recovered().length === CLIENTS, RECOVERY_MS);
    await Promise.all([loop.stop(), reloop.stop()]);
    const back = recovered().length;
    const closed = conversations.filter((c) => !c.open).length;
    const counts = await tally(instance, conversations);
    const refusals = conversations.flatMap((c) => c.sent.filter((s) => s.outcome === 'refused'));
    const untruthful = [...counts.histories].flatMap(([conversation, history]) =>
      conversation.sent.filter(
        (s) =>
          s.outcome === 'refused' &&
          /not processed/i.test(s.message ?? '') &&
          history.userMessages.has(s.clientMessageId),
      ),
    ).length;
    const codes = [...new Set(refusals.map((s) => s.code))].join(', ') || 'none';
    const problems = [
      ...(back < CLIENTS
        ? [`${CLIENTS - back}/${CLIENTS} conversations never completed a turn after the restart`]
        : []),
      ...(untruthful > 0 ? [`${untruthful} refused as "not processed" but stored`] : []),
    ];
    return {
      scenario: name,
      ...verdictOf(counts, problems, [
        `PostgreSQL down ${OUTAGE_MS} ms; ${refusals.length} messages refused (${codes}); ${closed} sockets closed by the server`,
      ]),
    };
  } finally {
    await instance.stop();
    await llm.close();
  }
}
