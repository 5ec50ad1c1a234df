/**
 * The flow graph: the flow the chat runs on (else the current flow) drawn as SVG, with the chat's current
 * block highlighted as frames arrive. Needs the admin token (flows are admin data).
 */
import { adminToken, api, describeFailure } from '../admin.ts';
import { button, el, replaceChildren, svg } from '../dom.ts';
import { on } from '../events.ts';
import { type Layout, layoutFlow } from './layout.ts';
import { type DrawnFlow, drawnFlow } from './model.ts';

function arrowMarker(): SVGDefsElement {
  return svg(
    'defs',
    {},
    svg(
      'marker',
      {
        id: 'arrow',
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: 'auto-start-reverse',
      },
      svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head' }),
    ),
  );
}

function pathOf(points: { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'} ${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ');
}

export function renderGraph(flow: DrawnFlow, layout: Layout): SVGSVGElement {
  const edges = flow.edges.flatMap((edge) => {
    const placed = layout.edges.get(edge.key);
    if (!placed) return [];
    const labelWidth = edge.label.length * 6.4 + 8;
    return [
      svg(
        'g',
        { class: 'edge', 'data-from': edge.from, 'data-to': edge.to },
        svg('path', { d: pathOf(placed.points), 'marker-end': 'url(#arrow)' }),
        svg('rect', {
          class: 'edge-label-bg',
          x: placed.label.x - labelWidth / 2,
          y: placed.label.y - 8,
          width: labelWidth,
          height: 16,
          rx: 3,
        }),
        svg('text', { class: 'edge-label', x: placed.label.x, y: placed.label.y + 4 }, edge.label),
      ),
    ];
  });
  const nodes = flow.nodes.flatMap((node) => {
    const placed = layout.nodes.get(node.id);
    if (!placed) return [];
    const left = placed.x - placed.width / 2;
    const top = placed.y - placed.height / 2;
    return [
      svg(
        'g',
        {
          class: `node type-${node.type.replace(/[^a-z]/g, '')}${node.start ? ' start' : ''}`,
          'data-block-id': node.id,
        },
        svg('title', {}, `${node.type} block ${node.id}${node.start ? ' (start)' : ''}`),
        svg('rect', { x: left, y: top, width: placed.width, height: placed.height, rx: 7 }),
        svg('text', { class: 'node-type', x: placed.x, y: top + 16 }, node.type),
        svg('text', { class: 'node-id', x: placed.x, y: top + 34 }, node.id),
      ),
    ];
  });
  return svg(
    'svg',
    {
      class: 'graph',
      role: 'img',
      'aria-label': `Flow graph of "${flow.name}": ${flow.nodes.length} blocks, ${flow.edges.length} transitions`,
      viewBox: `0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}`,
      width: Math.ceil(layout.width),
      height: Math.ceil(layout.height),
    },
    arrowMarker(),
    svg('g', { class: 'edges' }, ...edges),
    svg('g', { class: 'nodes' }, ...nodes),
  );
}

export function mountGraph(root: HTMLElement): void {
  const title = el('p', { class: 'muted', 'data-testid': 'graph-caption' });
  const message = el('p', { class: 'message', role: 'status' });
  // Focusable and named: the drawing scrolls when the flow is large.
  const canvas = el('div', {
    class: 'graph-canvas',
    role: 'region',
    'aria-label': 'Flow graph drawing',
    tabindex: 0,
  });
  const current = el('p', { class: 'current-block', 'data-testid': 'current-block' });
  replaceChildren(
    root,
    el(
      'div',
      { class: 'pane-head' },
      el('h2', {}, 'Flow graph'),
      button('Reload', () => void load()),
    ),
    title,
    message,
    current,
    canvas,
  );

  let chatVersion: number | null = null;
  let shownVersion: number | null = null;
  let currentBlock: string | null = null;
  let loading = 0;

  function highlight(): void {
    for (const node of canvas.querySelectorAll('g.node')) {
      const on = node.getAttribute('data-block-id') === currentBlock;
      node.classList.toggle('current', on);
      if (on) node.setAttribute('aria-current', 'step');
      else node.removeAttribute('aria-current');
    }
    current.textContent = currentBlock === null ? '' : `Current block: ${currentBlock}`;
  }

  async function load(): Promise<void> {
    const ticket = ++loading;
    if (adminToken.get() === null) {
      replaceChildren(canvas);
      shownVersion = null;
      title.textContent = '';
      message.textContent = 'Type the admin token at the top of the page to see the flow graph.';
      return;
    }
    const result = chatVersion === null ? await api.currentFlowText() : await api.versionText(chatVersion);
    if (ticket !== loading) return; // a newer load started meanwhile
    if (!result.ok) {
      const text = describeFailure(result); // a refused token starts a newer load, whose message wins
      if (ticket === loading) message.textContent = text;
      return;
    }
    let document: unknown;
    try {
      document = JSON.parse(result.body);
    } catch {
      message.textContent = 'The flow is not valid JSON.';
      return;
    }
    const flow = drawnFlow(document);
    shownVersion = Number(result.etag?.replaceAll('"', '')) || null;
    message.textContent = '';
    title.textContent =
      `“${flow.name}”, version ${shownVersion ?? '?'}` +
      (chatVersion === null ? ' (the current flow)' : ' (the version this conversation runs on)');
    replaceChildren(canvas, renderGraph(flow, layoutFlow(flow)));
    highlight();
  }

  on('chatFlowVersion', (version) => {
    chatVersion = version;
    currentBlock = null;
    if (version !== shownVersion) void load();
    else highlight();
  });
  on('chatBlock', (blockId) => {
    currentBlock = blockId;
    highlight();
  });
  on('flowChanged', () => {
    if (chatVersion === null) void load();
  });
  adminToken.onChange(() => void load());
  void load();
}
