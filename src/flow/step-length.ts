/**
 * The longest run of blocks the engine enters in one step. A step enters blocks until one stops it
 * (`wait`, `intent` or `end`), and the engine gives up after ENGINE_LIMITS.maxStepsPerTurn blocks:
 * a flow with a longer wait-less path is valid in shape but cannot run, so the validator refuses it.
 *
 * Wait-less cycles are reported separately (validate.ts); here an edge back into a block still being
 * explored is ignored, so the computation ends on any document and is linear in blocks + transitions.
 */
import type { FlowGraph } from './graph.ts';
import { ENGINE_LIMITS } from './limits.ts';
import type { FlowProblem } from './types.ts';

/** Block types that end a step: the engine stops there (a wait, a classification, the end). */
const STOPS_A_STEP = new Set(['wait', 'intent', 'end']);

interface Longest {
  /** Blocks entered from this one to the block that stops the step, both included. */
  length: number[];
  /** The successor on that longest path (-1 at its last block). */
  via: number[];
}

/** successors[i]: the blocks a step may enter right after block i (none for a block that stops it). */
function passThroughSuccessors(graph: FlowGraph): number[][] {
  const position = new Map<string, number>();
  graph.nodes.forEach((node, i) => {
    if (!position.has(node.id)) position.set(node.id, i);
  });
  const nodeOfBlock = new Map(graph.nodes.map((node, i) => [node.index, i]));
  const successors = graph.nodes.map(() => [] as number[]);
  for (const edge of graph.edges) {
    const from = nodeOfBlock.get(edge.from) as number;
    const to = position.get(edge.target);
    if (to === undefined || STOPS_A_STEP.has(graph.nodes[from]?.type ?? '')) continue;
    successors[from]?.push(to);
  }
  return successors;
}

/** Longest path from every block, by an iterative depth-first search (a 2,000-block chain is fine). */
function longestPaths(successors: readonly (readonly number[])[]): Longest {
  const length = successors.map(() => 0);
  const via = successors.map(() => -1);
  const state = successors.map(() => 'new' as 'new' | 'open' | 'done');
  /** Called once all successors were explored: an edge to a block still open closes a cycle, skip it. */
  const settle = (node: number) => {
    state[node] = 'done';
    length[node] = 1;
    for (const child of successors[node] ?? []) {
      if (state[child] !== 'done' || (length[child] as number) + 1 <= (length[node] as number)) continue;
      length[node] = (length[child] as number) + 1;
      via[node] = child;
    }
  };
  for (let root = 0; root < successors.length; root++) {
    if (state[root] !== 'new') continue;
    const work: { node: number; child: number }[] = [{ node: root, child: 0 }];
    state[root] = 'open';
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: number; child: number };
      const next = successors[frame.node]?.[frame.child++];
      if (next === undefined) {
        work.pop();
        settle(frame.node);
      } else if (state[next] === 'new') {
        state[next] = 'open';
        work.push({ node: next, child: 0 });
      }
    }
  }
  return { length, via };
}

/** Paths longer than the engine's step limit, each reported once, at the block where it starts. */
export function overlongSteps(graph: FlowGraph): FlowProblem[] {
  const limit = ENGINE_LIMITS.maxStepsPerTurn;
  const successors = passThroughSuccessors(graph);
  const { length, via } = longestPaths(successors);
  const tooLong = (node: number) => (length[node] as number) > limit;
  // A path that continues one entered earlier in the same step is part of that one's report.
  const continued = new Set(successors.flatMap((children, node) => (tooLong(node) ? children : [])));
  return graph.nodes.flatMap((node, i) => {
    if (!tooLong(i) || continued.has(i)) return [];
    let last = i;
    while ((via[last] as number) >= 0) last = via[last] as number;
    const end = graph.nodes[last]?.id as string;
    return [
      {
        path: `/blocks/${node.index}`,
        message:
          `${length[i]} blocks in one step, from "${node.id}" to "${end}", without a wait or intent block: ` +
          `the engine enters at most ${limit} blocks before one must stop the step`,
      },
    ];
  });
}
