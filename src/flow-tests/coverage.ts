/**
 * What the test conversations of a flow never reached: the blocks never entered, and the intent
 * transitions never taken. A transition is a way out of an intent block: each of its intents, its
 * `noMatch`, and its `onMaxNoMatch` and `onError` when it has them. Counted from the observed turns
 * (blocks entered, each classification's branch), passing or failing.
 */
import type { Flow } from '../flow/types.ts';
import type { IntentBranch, ObservedTurn } from './observed.ts';
import type { TestRunOutcome } from './run.ts';

/** A transition: the intent block, and the intent or the exit taken. */
export type Transition = { block: string } & IntentBranch;

export interface CoverageReport {
  /** The flow file, as the user named it. */
  flow: string;
  blocks: { total: number; reached: number; percent: number; unreached: string[] };
  transitions: { total: number; taken: number; percent: number; untaken: Transition[] };
}

const keyOf = (t: Transition) =>
  'intent' in t ? `${t.block}\0intent\0${t.intent}` : `${t.block}\0${t.exit}`;

/** Every transition of the flow, in the order of its blocks and of each block's intents. */
export function transitionsOf(flow: Flow): Transition[] {
  return flow.blocks.flatMap((block): Transition[] => {
    if (block.type !== 'intent') return [];
    return [
      ...block.intents.map((intent) => ({ block: block.id, intent: intent.id })),
      { block: block.id, exit: 'noMatch' as const },
      ...(block.onMaxNoMatch ? [{ block: block.id, exit: 'onMaxNoMatch' as const }] : []),
      ...(block.onError ? [{ block: block.id, exit: 'onError' as const }] : []),
    ];
  });
}

/** Every turn observed in the outcomes: the bot's openings and each step's turn. */
export function observedTurns(outcomes: Iterable<TestRunOutcome>): ObservedTurn[] {
  return [...outcomes].flatMap((outcome) =>
    outcome.conversations.flatMap((c) => [
      ...(c.opening ? [c.opening] : []),
      ...c.steps.flatMap((step) => (step.observed ? [step.observed] : [])),
    ]),
  );
}

const percent = (count: number, total: number) =>
  total === 0 ? 100 : Math.round((count / total) * 1_000) / 10;

export function coverageOf(flowPath: string, flow: Flow, turns: readonly ObservedTurn[]): CoverageReport {
  const entered = new Set(turns.flatMap((turn) => turn.blocks));
  const taken = new Set(
    turns.flatMap((turn) => turn.classifications.map((c) => keyOf({ block: c.blockId, ...c.branch }))),
  );
  const unreached = flow.blocks.map((block) => block.id).filter((id) => !entered.has(id));
  const transitions = transitionsOf(flow);
  const untaken = transitions.filter((t) => !taken.has(keyOf(t)));
  const blocks = flow.blocks.length;
  return {
    flow: flowPath,
    blocks: {
      total: blocks,
      reached: blocks - unreached.length,
      percent: percent(blocks - unreached.length, blocks),
      unreached,
    },
    transitions: {
      total: transitions.length,
      taken: transitions.length - untaken.length,
      percent: percent(transitions.length - untaken.length, transitions.length),
      untaken,
    },
  };
}

const describeTransition = (t: Transition) => ('intent' in t ? `intent ${t.intent}` : t.exit);

/** The coverage of one flow, for people: the counts, then what was not reached, by block id. */
export function formatCoverage(coverage: CoverageReport): string[] {
  const { blocks, transitions } = coverage;
  const byBlock = new Map<string, string[]>();
  for (const t of transitions.untaken) {
    byBlock.set(t.block, [...(byBlock.get(t.block) ?? []), describeTransition(t)]);
  }
  return [
    `Coverage of ${coverage.flow}: blocks ${blocks.reached}/${blocks.total} (${blocks.percent}%), intent transitions ${transitions.taken}/${transitions.total} (${transitions.percent}%)`,
    ...(blocks.unreached.length > 0 ? [`  blocks never entered: ${blocks.unreached.join(', ')}`] : []),
    ...(byBlock.size > 0 ? ['  intent transitions never taken:'] : []),
    ...[...byBlock].map(([block, branches]) => `    ${block}: ${branches.join(', ')}`),
  ];
}
