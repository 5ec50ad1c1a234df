/** Positions for a drawn flow, computed by dagre (layered layout, top to bottom). */
import dagre from '@dagrejs/dagre';
import type { DrawnFlow } from './model.ts';

export interface Point {
  x: number;
  y: number;
}

export interface PlacedNode {
  id: string;
  /** Centre and size. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  key: string;
  points: Point[];
  label: Point;
}

export interface Layout {
  width: number;
  height: number;
  nodes: Map<string, PlacedNode>;
  edges: Map<string, PlacedEdge>;
}

/** Text sizes are estimated from the character count: exact enough for boxes, and needs no measuring pass. */
const CHAR_WIDTH = 7.4;
const LABEL_CHAR_WIDTH = 6.4;
const NODE_HEIGHT = 44;
const NODE_PADDING = 24;

export function nodeWidth(id: string, type: string): number {
  return Math.max(90, Math.ceil(Math.max(id.length, type.length) * CHAR_WIDTH) + NODE_PADDING);
}

export function layoutFlow(flow: DrawnFlow): Layout {
  const graph = new dagre.graphlib.Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 46, edgesep: 12, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of flow.nodes) {
    graph.setNode(node.id, { width: nodeWidth(node.id, node.type), height: NODE_HEIGHT });
  }
  for (const edge of flow.edges) {
    graph.setEdge(
      edge.from,
      edge.to,
      { label: edge.label, width: edge.label.length * LABEL_CHAR_WIDTH + 8, height: 16, labelpos: 'c' },
      edge.key,
    );
  }
  dagre.layout(graph);

  const nodes = new Map<string, PlacedNode>();
  for (const id of graph.nodes()) {
    const placed = graph.node(id);
    nodes.set(id, { id, x: placed.x ?? 0, y: placed.y ?? 0, width: placed.width, height: placed.height });
  }
  const edges = new Map<string, PlacedEdge>();
  for (const edge of graph.edges()) {
    const placed = graph.edge(edge);
    const points = placed.points ?? [];
    const middle = points[Math.floor(points.length / 2)] ?? { x: 0, y: 0 };
    edges.set(edge.name ?? '', {
      key: edge.name ?? '',
      points,
      label: { x: placed.x ?? middle.x, y: placed.y ?? middle.y },
    });
  }
  const size = graph.graph();
  return { width: size.width ?? 0, height: size.height ?? 0, nodes, edges };
}
