/**
 * Resume races: a conversation is resumed on two sockets at the same moment (on two instances sharing
 * one PostgreSQL, or twice on one instance), TRIALS times, each on a fresh conversation. The promise:
 * afterwards exactly one of the new sockets holds the conversation (its next message is answered) and
 * every other socket, the old one included, was closed with 4409.
 */
import { join } from 'node:path';
import { plumbingFlow } from '../load/flows.ts';
import {
  type Instance,
  pause,
  pollUntil,
  type ScenarioResult,
  startChatflow,
  uploadFlow,
} from './harness.ts';
import { Conversation, tally, verdictOf } from './ledger.ts';
import { textOf } from './load.ts';
import type { ScenarioContext } from './scenario.ts';

const TRIALS = 20;
/** After both resumes were answered (or closed), how long a takeover notice may take to arrive. */
const SETTLE_WINDOW_MS = 500;
const TURN_TIMEOUT_MS = 5_000;

type TrialOutcome =
  | 'one holder'
  | 'no holder'
  | 'two holders'
  | 'the old socket kept it'
  | 'holder did not answer'
  | 'an evicted socket not closed with 4409';

/**
 * One conversation, its socket still open (a client reconnecting twice, say, after a network change),
 * resumed on two new sockets at once: the new claims race each other and evict the old holder.
 */
async function trial(
  index: number,
  first: Instance,
  second: Instance,
): Promise<{ outcome: TrialOutcome; clients: Conversation[] }> {
  const original = await Conversation.start(first, `race${index}`);
  const claims = [original.twin(`race${index}a`), original.twin(`race${index}b`)];
  await Promise.all([claims[0]?.resume(first), claims[1]?.resume(second)]);
  const clients = [original, ...claims];
  const answered = (c: Conversation) => !c.open || c.chat.frames.some((f) => f.type === 'waiting');
  await pollUntil(() => claims.every(answered), TURN_TIMEOUT_MS);
  await pause(SETTLE_WINDOW_MS);
  const holders = clients.filter((c) => c.open);
  // The holder proves it holds: its next message is answered (a stale socket's would be fenced).
  for (const holder of holders) holder.send(textOf(index, 0), `${holder.label}.0`);
  await Promise.all(holders.map((holder) => holder.settle(TURN_TIMEOUT_MS)));
  for (const client of clients) client.chat.close();
  await Promise.all(clients.map((client) => client.chat.waitClosed()));
  const [holder] = holders;
  const evicted = clients.filter((c) => c !== holder);
  if (holders.length === 0) return { outcome: 'no holder', clients };
  if (holders.length > 1) return { outcome: 'two holders', clients };
  if (holder === original) return { outcome: 'the old socket kept it', clients };
  if (holder?.sent[0]?.outcome !== 'acknowledged') return { outcome: 'holder did not answer', clients };
  if (evicted.some((c) => c.chat.closed?.code !== 4409)) {
    return { outcome: 'an evicted socket not closed with 4409', clients };
  }
  return { outcome: 'one holder', clients };
}

export async function resumeRace(
  name: string,
  context: ScenarioContext,
  instances: 1 | 2,
): Promise<ScenarioResult> {
  const postgres = instances === 2 ? await context.postgres() : undefined;
  const databaseUrl = postgres ? await postgres.createDatabase('faults_race') : undefined;
  const env = (label: string) => ({
    DATA_DIR: join(context.tmp, `race-${instances}-${label}`),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const servers = await Promise.all(
    Array.from({ length: instances }, (_, i) => startChatflow(env(String(i)))),
  );
  try {
    const [first] = servers as [Instance];
    const second = servers[1] ?? first;
    await uploadFlow(first, plumbingFlow());
    const outcomes = new Map<TrialOutcome, number>();
    const clients: Conversation[] = [];
    for (let i = 0; i < TRIALS; i += 1) {
      const result = await trial(i, first, second);
      outcomes.set(result.outcome, (outcomes.get(result.outcome) ?? 0) + 1);
      clients.push(...result.clients);
    }
    const counts = await tally(first, clients);
    const good = outcomes.get('one holder') ?? 0;
    const summary = [...outcomes].map(([outcome, n]) => `${outcome}: ${n}`).join(', ');
    const problems =
      good < TRIALS ? [`${TRIALS - good}/${TRIALS} trials without exactly one holder (${summary})`] : [];
    return { scenario: name, ...verdictOf(counts, problems, good === TRIALS ? [`${summary}`] : []) };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}
