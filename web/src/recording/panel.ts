/**
 * The "Save as test" panel under the chat: names the test, pins the intents or not, shows the test file,
 * downloads it, or stores it with the flow (GET then PUT /api/flow/tests) and shows the run that follows.
 * A panel in the page rather than a modal dialog, so the admin token can still be typed at the top.
 */
import { adminToken, api, describeFailure, type StoredTests, type TestFailure } from '../admin.ts';
import { button, el, replaceChildren } from '../dom.ts';
import {
  type Converted,
  downloadName,
  formatTestFile,
  type StoredEvent,
  testFileOf,
  toTestConversation,
  withConversation,
} from './conversion.ts';
import type { RecordedConversation } from './recorder.ts';

export interface SaveTestPanel {
  element: HTMLElement;
  open(): void;
  /** The chat is between turns again: an open panel shows the conversation as it is now. */
  update(): void;
}

/** The conversation's history, for its intents; null (with why) when it cannot be read. */
async function readHistory(conversationId: string): Promise<{ events: StoredEvent[] | null; note: string }> {
  if (adminToken.get() === null) {
    return {
      events: null,
      note: 'Type the admin token at the top of the page to include the intents detected.',
    };
  }
  const result = await api.conversation(conversationId);
  if (!result.ok) return { events: null, note: `The intents could not be read: ${describeFailure(result)}` };
  return { events: result.body.events, note: '' };
}

/** A failing conversation: where it diverged, and each difference at its JSON pointer in the file. */
function failureItem(failure: TestFailure): HTMLLIElement {
  return el(
    'li',
    {},
    `"${failure.conversation}" diverges at step ${failure.firstDivergence}`,
    el(
      'ul',
      {},
      ...failure.mismatches.map((m) => el('li', {}, `${m.path}: expected ${m.expected}, got ${m.actual}`)),
    ),
  );
}

function storedSummary(stored: StoredTests, recordedOn: number): string {
  const { passed, failed } = stored.run;
  const version =
    recordedOn === stored.flowVersion
      ? ''
      : ` The conversation was recorded on flow version ${recordedOn}, not the current one.`;
  return `Stored with flow version ${stored.flowVersion} (${stored.conversations} test conversation(s)). Run against it: ${passed} passed, ${failed} failed.${version}`;
}

export function saveTestPanel(source: () => RecordedConversation | null): SaveTestPanel {
  const name = el('input', {
    id: 'save-test-name',
    type: 'text',
    autocomplete: 'off',
    maxlength: 200,
    required: true,
  });
  const pin = el('input', { id: 'save-test-pin', type: 'checkbox' });
  const status = el('p', { class: 'message', role: 'status', 'data-testid': 'save-test-status' });
  // tabindex: the preview scrolls, so keyboard users must be able to reach it.
  const preview = el('pre', {
    class: 'test-preview',
    tabindex: 0,
    'aria-label': 'The test file',
    'data-testid': 'save-test-preview',
  });
  const download = button('Download', () => saveFile(), { class: 'primary' });
  const store = button('Store with the flow', () => void storeWithFlow());
  const close = button('Close', () => hide());
  const tokenHint = el('p', { class: 'muted small', 'data-testid': 'save-test-token' });
  const result = el('div', { class: 'store-result', role: 'status', 'data-testid': 'save-test-result' });
  const element = el(
    'section',
    { id: 'save-test', class: 'save-test', hidden: true, 'aria-labelledby': 'save-test-title' },
    el('h3', { id: 'save-test-title' }, 'Save as test'),
    el(
      'p',
      { class: 'muted small' },
      'This conversation as a test conversation: run it with chatflow test, or store it with the flow.',
    ),
    el(
      'div',
      { class: 'save-test-fields' },
      el('label', { for: 'save-test-name' }, 'Test name'),
      name,
      el('label', { class: 'check' }, pin, ' Pin the detected intents'),
      el(
        'p',
        { class: 'muted small' },
        'Pinned: each step gives the bot the intent detected now, so the test does not depend on the classifier.',
      ),
    ),
    status,
    el('div', { class: 'actions save-test-actions' }, download, store, close),
    tokenHint,
    result,
    el('details', { open: true }, el('summary', {}, 'The test file'), preview),
  );

  let recorded: RecordedConversation | null = null;
  let history: { events: StoredEvent[] | null; note: string } = { events: null, note: '' };
  let converted: Converted = { ok: false, message: '' };
  /** Bumped at each opening: a history read for an older opening is dropped. */
  let opening = 0;
  /** Where the focus goes back to when the panel closes (the "Save as test" button). */
  let openedFrom: HTMLElement | null = null;

  function refresh(): void {
    if (recorded === null) return;
    converted = toTestConversation(recorded.recorded, history.events, { name: name.value, pin: pin.checked });
    download.disabled = !converted.ok;
    store.disabled = !converted.ok;
    if (!converted.ok) {
      status.textContent = converted.message;
      preview.textContent = '';
      return;
    }
    status.textContent = [history.note, ...converted.notes].filter(Boolean).join(' ');
    preview.textContent = formatTestFile(testFileOf([converted.conversation]));
  }

  async function load(): Promise<void> {
    const current = ++opening;
    recorded = source();
    replaceChildren(result);
    download.disabled = true;
    store.disabled = true;
    if (recorded === null) {
      status.textContent = 'Nothing recorded yet.';
      return;
    }
    status.textContent = "Reading the conversation's history…";
    const read = await readHistory(recorded.conversationId);
    if (current !== opening) return;
    history = read;
    refresh();
  }

  function showTokenHint(): void {
    tokenHint.textContent =
      adminToken.get() === null
        ? 'Storing with the flow needs the admin token: type it at the top of the page.'
        : '';
  }

  function saveFile(): void {
    if (!converted.ok) return;
    const text = `${formatTestFile(testFileOf([converted.conversation]))}\n`;
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const link = el('a', { href: url, download: downloadName(converted.conversation.name) });
    link.click();
    // The download has its own copy once started; the URL is let go after this task.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }

  async function storeWithFlow(): Promise<void> {
    if (!converted.ok || recorded === null) return;
    const conversation = converted.conversation;
    replaceChildren(result, 'Storing…');
    const existing = await api.flowTests();
    if (!existing.ok && existing.status !== 404) {
      replaceChildren(result, describeFailure(existing));
      return;
    }
    const file = withConversation(existing.ok ? existing.body : null, conversation);
    const stored = await api.storeFlowTests(formatTestFile(file));
    if (!stored.ok) {
      const details = stored.details.map((d) => el('li', {}, `${d.path}: ${d.message}`));
      replaceChildren(result, describeFailure(stored), details.length > 0 ? el('ul', {}, ...details) : null);
      return;
    }
    const failures = stored.body.run.failures.map(failureItem);
    replaceChildren(
      result,
      el('p', {}, storedSummary(stored.body, recorded.flowVersion)),
      failures.length > 0 ? el('ul', { 'data-testid': 'save-test-failures' }, ...failures) : null,
    );
  }

  function hide(): void {
    element.hidden = true;
    opening += 1;
    openedFrom?.focus();
  }

  name.addEventListener('input', refresh);
  pin.addEventListener('change', refresh);
  element.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') hide();
  });
  adminToken.onChange(() => {
    showTokenHint();
    if (!element.hidden) void load();
  });
  showTokenHint();

  return {
    element,
    open() {
      if (name.value.trim() === '') name.value = `Recorded ${new Date().toISOString().slice(0, 16)}`;
      openedFrom = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      element.hidden = false;
      name.focus();
      void load();
    },
    update() {
      if (!element.hidden) void load();
    },
  };
}
