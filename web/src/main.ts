/** The playground page: the admin-token form, the chat, and the Graph / Editor / History views. */
import './styles.css';
import { adminToken } from './admin.ts';
import { mountChat } from './chat/pane.ts';
import { byId } from './dom.ts';
import { mountGraph } from './graph/pane.ts';
import { mountHistory } from './history/pane.ts';

const VIEWS = ['graph', 'editor', 'history'] as const;
type View = (typeof VIEWS)[number];

function mountToken(): void {
  const form = byId<HTMLFormElement>('token-form');
  const input = byId<HTMLInputElement>('token-input');
  const status = byId('token-status');
  const show = () => {
    if (adminToken.refused) status.textContent = 'The admin token was refused. Type it again.';
    else if (adminToken.get() === null) status.textContent = 'not set: the chat works without it';
    else status.textContent = 'saved for this tab';
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    input.value = '';
    if (token !== '') adminToken.set(token);
  });
  byId('token-forget').addEventListener('click', () => adminToken.clear());
  adminToken.onChange(show);
  show();
}

function mountTabs(onShow: Partial<Record<View, () => void>>): void {
  const select = (view: View, focus: boolean) => {
    for (const name of VIEWS) {
      const tab = byId(`tab-${name}`);
      const selected = name === view;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      byId(`view-${name}`).hidden = !selected;
      if (selected && focus) tab.focus();
    }
    onShow[view]?.();
    // The view is kept in the fragment (never a secret) so a reload shows the same one.
    history.replaceState(null, '', `#${view}`);
  };
  VIEWS.forEach((view, index) => {
    const tab = byId(`tab-${view}`);
    tab.addEventListener('click', () => select(view, false));
    tab.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (step !== 0) select(VIEWS[(index + step + VIEWS.length) % VIEWS.length] as View, true);
    });
  });
  const fromHash = location.hash.slice(1) as View;
  select(VIEWS.includes(fromHash) ? fromHash : 'graph', false);
}

mountToken();
mountChat(byId('chat'));
mountGraph(byId('view-graph'));

/** The editor (CodeMirror, most of the page's code) is loaded the first time its view is opened. */
let editorRequested = false;
function showEditor(): void {
  if (editorRequested) return;
  editorRequested = true;
  import('./editor/pane.ts').then(
    ({ mountEditor }) => mountEditor(byId('view-editor')),
    () => {
      editorRequested = false; // a failed download may be retried by opening the view again
      byId('view-editor').textContent = 'The editor could not be loaded. Reload the page to try again.';
    },
  );
}

mountTabs({ editor: showEditor, history: mountHistory(byId('view-history')) });
