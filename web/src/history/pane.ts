/** The history viewer: conversations newest first, page by page, and one conversation as a timeline. */
import { adminToken, api, type ConversationSummary, describeFailure, type HistoryEvent } from '../admin.ts';
import { button, el, formatTime, replaceChildren } from '../dom.ts';
import { describeEvent } from './timeline.ts';

const PAGE_SIZE = 10;

/** Returns a function that shows the first page again (called when the view is opened). */
export function mountHistory(root: HTMLElement): () => void {
  const message = el('p', { class: 'message', role: 'status', 'data-testid': 'history-status' });
  const rows = el('tbody');
  const pageLabel = el('span', { class: 'muted' });
  const newer = button('← Newer', () => void showPage(pageIndex - 1));
  const older = button('Older →', () => void showPage(pageIndex + 1));
  const timelineTitle = el('h3', { id: 'timeline-title' }, 'Timeline');
  const timeline = el('ol', {
    class: 'timeline',
    'aria-labelledby': 'timeline-title',
    'data-testid': 'timeline',
  });

  replaceChildren(
    root,
    el(
      'div',
      { class: 'pane-head' },
      el('h2', {}, 'History'),
      button('Refresh', () => void showPage(0)),
    ),
    message,
    el(
      'table',
      { class: 'conversations', 'data-testid': 'conversations' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['Started', 'Status', 'Version', 'Events', 'Conversation'].map((h) =>
            el('th', { scope: 'col' }, h),
          ),
        ),
      ),
      rows,
    ),
    el('div', { class: 'pager' }, newer, pageLabel, older),
    timelineTitle,
    timeline,
  );

  /** Cursors of the pages seen so far: the API pages forward only, so going back reuses them. */
  let cursors: (string | null)[] = [null];
  let pageIndex = 0;

  function row(c: ConversationSummary): HTMLTableRowElement {
    return el(
      'tr',
      { 'data-conversation-id': c.id },
      el('td', {}, formatTime(c.startedAt)),
      el('td', {}, c.status),
      el('td', {}, String(c.flowVersion)),
      el('td', {}, String(c.eventCount)),
      el(
        'td',
        {},
        button(c.id, () => void open(c.id), { class: 'link', 'aria-label': `Open conversation ${c.id}` }),
      ),
    );
  }

  async function showPage(index: number): Promise<void> {
    if (index === 0) cursors = [null];
    const cursor = cursors[index];
    if (cursor === undefined || index < 0) return;
    const result = await api.conversations(PAGE_SIZE, cursor);
    if (!result.ok) {
      message.textContent = describeFailure(result);
      replaceChildren(rows);
      return;
    }
    pageIndex = index;
    cursors.length = index + 1;
    if (result.body.nextCursor !== null) cursors.push(result.body.nextCursor);
    message.textContent = result.body.conversations.length === 0 ? 'No conversations yet.' : '';
    replaceChildren(rows, ...result.body.conversations.map(row));
    pageLabel.textContent = ` Page ${index + 1} `;
    newer.disabled = index === 0;
    older.disabled = result.body.nextCursor === null;
  }

  function eventItem(event: HistoryEvent): HTMLLIElement {
    const view = describeEvent(event);
    return el(
      'li',
      { class: `event ${view.kind}`, 'data-type': event.type, 'data-seq': event.seq },
      el('span', { class: 'seq' }, `#${event.seq}`),
      el('time', { datetime: event.at }, formatTime(event.at)),
      el('strong', {}, view.title),
      view.detail ? el('span', { class: 'detail' }, view.detail) : null,
    );
  }

  async function open(id: string): Promise<void> {
    const result = await api.conversation(id);
    if (!result.ok) {
      message.textContent = describeFailure(result);
      return;
    }
    timelineTitle.textContent = `Timeline of ${id} (${result.body.status}, flow version ${result.body.flowVersion})`;
    replaceChildren(timeline, ...result.body.events.map(eventItem));
  }

  adminToken.onChange(() => void showPage(0));
  return () => void showPage(0);
}
