/**
 * A flow document as a labelled graph for drawing: blocks as nodes (type and id), transitions as edges
 * labelled by the field they come from. The transitions are read by the server's own reader
 * (src/flow/graph.ts), so the picture and the validator never disagree about what links where.
 */
import { readGraph } from '../../../src/flow/graph.ts';

export interface DrawnNode {
  id: string;
  type: string;
  start: boolean;
}

export interface DrawnEdge {
  from: string;
  to: string;
  label: string;
  /** Unique among the edges (two transitions may join the same pair of blocks). */
  key: string;
}

export interface DrawnFlow {
  name: string;
  nodes: DrawnNode[];
  edges: DrawnEdge[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `/blocks/3/intents/1/next` → the intent's id; `/blocks/3/cases/0/next` → `case 1`; else the field. */
function labelOf(block: unknown, path: string): string {
  const parts = path.split('/').slice(3);
  if (parts[0] === 'intents' && isRecord(block) && Array.isArray(block.intents)) {
    const intent = block.intents[Number(parts[1])];
    return isRecord(intent) && typeof intent.id === 'string' ? intent.id : 'intent';
  }
  if (parts[0] === 'cases') return `case ${Number(parts[1]) + 1}`;
  return parts[0] ?? '';
}

export function drawnFlow(document: unknown): DrawnFlow {
  const graph = readGraph(document);
  const blocks = isRecord(document) && Array.isArray(document.blocks) ? document.blocks : [];
  const start = isRecord(document) && typeof document.start === 'string' ? document.start : null;
  const ids = new Set(graph.nodes.map((node) => node.id));
  const idAt = new Map(graph.nodes.map((node) => [node.index, node.id]));
  return {
    name: isRecord(document) && typeof document.name === 'string' ? document.name : '',
    nodes: graph.nodes.map((node) => ({ id: node.id, type: node.type, start: node.id === start })),
    edges: graph.edges.flatMap((edge) => {
      const from = idAt.get(edge.from);
      // A transition to a missing block is a validation error, not something to draw.
      if (from === undefined || !ids.has(edge.target)) return [];
      return [{ from, to: edge.target, label: labelOf(blocks[edge.from], edge.path), key: edge.path }];
    }),
  };
}
