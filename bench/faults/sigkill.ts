/**
 * SIGKILL under load: conversations keep a message in flight, the server is killed with -9 in the
 * middle, restarted on the same database, the conversations resume and load again; after the last
 * round every acknowledged message and every bot message shown must be in the history. The flow is
 * the load bench's plumbing flow (a turn is one write) or its intent flow with the offline classifier
 * (a turn is two writes, with the classification between them).
 */
import { join } from 'node:path';
import { intentFlow, plumbingFlow } from '../load/flows.ts';
import { type Instance, pause, type ScenarioResult, startChatflow, uploadFlow } from './harness.ts';
import { tally, verdictOf } from './ledger.ts';
import { closedLoop, resumeAll, startConversations } from './load.ts';
import type { ScenarioContext } from './scenario.ts';

const CLIENTS = 40;
const ROUNDS = 3;
/** Load before each kill; the kill lands while every client has a message in flight. */
const LOAD_MS = 2_000;

const FLOWS = { plumbing: plumbingFlow, intent: () => intentFlow('local') };

export async function sigkillUnderLoad(
  name: string,
  context: ScenarioContext,
  flow: keyof typeof FLOWS,
  databaseUrl?: string,
): Promise<ScenarioResult> {
  const env = {
    DATA_DIR: join(context.tmp, name.replace(/\W+/g, '-')),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  let instance: Instance = await startChatflow(env);
  try {
    await uploadFlow(instance, FLOWS[flow]());
    const conversations = await startConversations(instance, CLIENTS, 'k');
    const exits: string[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      if (round > 1) await resumeAll(instance, conversations);
      const loop = closedLoop(conversations);
      await pause(LOAD_MS);
      const exit = await instance.signal('SIGKILL');
      exits.push(exit.signal ?? String(exit.code));
      await loop.stop();
      instance = await startChatflow(env);
    }
    const counts = await tally(instance, conversations);
    const unknown = conversations.flatMap((c) => c.sent).filter((s) => s.outcome === 'unknown').length;
    const problems = exits.some((e) => e !== 'SIGKILL') ? [`exits: ${exits.join(', ')}`] : [];
    return {
      scenario: name,
      ...verdictOf(counts, problems, [
        `${flow} flow, ${ROUNDS} kills, ${CLIENTS} conversations; ${unknown} in flight at a kill (unknown to the client)`,
      ]),
    };
  } finally {
    await instance.stop();
  }
}
