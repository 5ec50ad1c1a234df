/**
 * The transition graph of a flow, read leniently from any document (so graph problems are reported
 * alongside schema problems, not only once the schema passes).
 */

/** One transition: the block it leaves, the pointer of the field naming the target, the target id. */
export interface Edge {
  from: number;
  path: string;
  target: string;
}

export interface GraphNode {
  index: number;
  id: string;
  type: string;
}

export interface FlowGraph {
  nodes: GraphNode[];
  edges: Edge[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function blockEdges(block: Record<string, unknown>, index: number): Edge[] {
  const edges: Edge[] = [];
  const base = `/blocks/${index}`;
  const add = (path: string, target: unknown) => {
    if (typeof target === 'string') edges.push({ from: index, path: `${base}${path}`, target });
  };
  for (const field of ['next', 'noMatch', 'onMaxNoMatch', 'onError', 'else']) add(`/${field}`, block[field]);
  const intents = Array.isArray(block.intents) ? block.intents : [];
  intents.forEach((intent, i) => {
    if (isRecord(intent)) add(`/intents/${i}/next`, intent.next);
  });
  const cases = Array.isArray(block.cases) ? block.cases : [];
  cases.forEach((c, i) => {
    if (isRecord(c)) add(`/cases/${i}/next`, c.next);
  });
  return edges;
}

export function readGraph(document: unknown): FlowGraph {
  const blocks = isRecord(document) && Array.isArray(document.blocks) ? document.blocks : [];
  const nodes: GraphNode[] = [];
  const edges: Edge[] = [];
  blocks.forEach((block, index) => {
    if (!isRecord(block) || typeof block.id !== 'string') return;
    nodes.push({ index, id: block.id, type: typeof block.type === 'string' ? block.type : '' });
    // A block type whose fields carry no `next` (end) simply yields no edges.
    edges.push(...blockEdges(block, index));
  });
  return { nodes, edges };
}

/**
 * Strongly connected components (Tarjan, iterative so a long chain cannot overflow the stack).
 * `successors[i]` lists the node indices reachable in one step from node i.
 */
export function stronglyConnectedComponents(successors: readonly (readonly number[])[]): number[][] {
  const count = successors.length;
  const index = new Array<number>(count).fill(-1);
  const low = new Array<number>(count).fill(0);
  const onStack = new Array<boolean>(count).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let nextIndex = 0;

  for (let root = 0; root < count; root++) {
    if (index[root] !== -1) continue;
    const work: { node: number; child: number }[] = [{ node: root, child: 0 }];
    index[root] = low[root] = nextIndex++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: number; child: number };
      const next = successors[frame.node]?.[frame.child];
      if (next !== undefined) {
        frame.child++;
        if (index[next] === -1) {
          index[next] = low[next] = nextIndex++;
          stack.push(next);
          onStack[next] = true;
          work.push({ node: next, child: 0 });
        } else if (onStack[next]) {
          low[frame.node] = Math.min(low[frame.node] as number, index[next] as number);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent.node] = Math.min(low[parent.node] as number, low[frame.node] as number);
      if (low[frame.node] === index[frame.node]) {
        const component: number[] = [];
        let member: number;
        do {
          member = stack.pop() as number;
          onStack[member] = false;
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}
