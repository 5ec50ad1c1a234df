/**
 * The chat pane: transcript, quick replies, typing indicator, status, composer, "New conversation",
 * and "Save as test" (the conversation as recorded by recording/recorder.ts).
 */
import { button, el, replaceChildren } from '../dom.ts';
import { emit } from '../events.ts';
import { saveTestPanel } from '../recording/panel.ts';
import { ChatRecorder } from '../recording/recorder.ts';
import { type BotMessage, ChatConnection, type ChatStatus } from './connection.ts';
import { type Line, Transcript } from './transcript.ts';

const STATUS_TEXT: Record<ChatStatus, string> = {
  connecting: 'Connecting…',
  waiting: 'Your turn',
  busy: 'The bot is answering…',
  reconnecting: 'Connection lost. Reconnecting…',
  offline: 'Disconnected.',
  elsewhere: 'This conversation continued in another window.',
  ended: 'The conversation has ended.',
};

export function mountChat(root: HTMLElement): void {
  const status = el('p', { class: 'status', role: 'status', 'data-testid': 'chat-status' });
  const conversationLabel = el('p', { class: 'muted small', 'data-testid': 'conversation-id' });
  const retry = button('Reconnect', () => connection.start(), { hidden: true, 'data-testid': 'chat-retry' });
  const saveTest = saveTestPanel(() => recorder.current);
  const saveAsTest = button('Save as test', () => saveTest.open(), {
    disabled: true,
    'aria-controls': 'save-test',
  });
  const restart = button('New conversation', () => {
    transcript.clear();
    recorder.clear();
    replaceChildren(log);
    clearReplies();
    connection.restart();
  });
  // tabindex: the transcript scrolls, so keyboard users must be able to reach it.
  const log = el('ol', {
    class: 'transcript',
    'aria-label': 'Conversation',
    'aria-live': 'polite',
    tabindex: 0,
  });
  const typing = el('p', { class: 'typing', hidden: true, 'aria-live': 'polite' }, 'The bot is typing…');
  const replies = el('div', { class: 'replies', role: 'group', 'aria-label': 'Quick replies' });
  const input = el('input', {
    id: 'chat-input',
    type: 'text',
    autocomplete: 'off',
    maxlength: 4000,
    placeholder: 'Type a message',
  });
  const send = el('button', { type: 'submit' }, 'Send');
  const composer = el(
    'form',
    { class: 'composer' },
    el('label', { for: 'chat-input', class: 'visually-hidden' }, 'Message'),
    input,
    send,
  );
  replaceChildren(
    root,
    el(
      'div',
      { class: 'pane-head' },
      el('h2', { id: 'chat-title' }, 'Chat'),
      el('div', { class: 'actions' }, saveAsTest, restart),
    ),
    status,
    conversationLabel,
    retry,
    log,
    typing,
    replies,
    composer,
    saveTest.element,
  );

  const transcript = new Transcript();
  const recorder = new ChatRecorder();

  function show(line: Line, store = true): void {
    log.append(
      el(
        'li',
        { class: `line ${line.kind}` },
        el('span', { class: 'who' }, whoOf(line)),
        el('span', { class: 'text' }, line.text),
      ),
    );
    log.lastElementChild?.scrollIntoView({ block: 'nearest' });
    if (store) transcript.add(line);
  }

  function clearReplies(): void {
    replaceChildren(replies);
  }

  /** `clicked`: a quick-reply button, which a test replays as a `click` step. */
  function userSays(text: string, clicked = false): void {
    if (!connection.send(text)) {
      show({ kind: 'notice', text: 'Not connected: the message was not sent.' }, false);
      return;
    }
    clearReplies();
    show({ kind: 'user', text });
    recorder.user(text, clicked);
  }

  function showReplies(message: BotMessage): void {
    clearReplies();
    for (const option of message.options ?? []) {
      replies.append(button(option, () => userSays(option, true)));
    }
  }

  const connection = new ChatConnection({
    status(state) {
      status.textContent = STATUS_TEXT[state];
      status.dataset.state = state;
      const open = state === 'waiting' || state === 'busy';
      input.disabled = !open;
      send.disabled = !open;
      retry.hidden = state !== 'offline' && state !== 'elsewhere';
      retry.textContent = state === 'elsewhere' ? 'Continue here' : 'Reconnect';
      if (state !== 'busy') typing.hidden = true;
      if (state === 'ended') {
        clearReplies();
        recorder.ended();
      }
      // A test is saved between turns, never half-way through one.
      const betweenTurns = state === 'waiting' || state === 'ended';
      saveAsTest.disabled = !betweenTurns || recorder.current === null;
      if (betweenTurns) saveTest.update();
      if (state === 'waiting' && document.activeElement === document.body) input.focus();
    },
    conversation({ conversationId, flowVersion, resumed }) {
      conversationLabel.textContent = `Conversation ${conversationId} · flow version ${flowVersion}`;
      conversationLabel.dataset.conversationId = conversationId;
      recorder.conversation(conversationId, flowVersion, resumed);
      if (!resumed) {
        transcript.clear();
        replaceChildren(log);
      } else if (log.childElementCount === 0) {
        for (const line of transcript.load(conversationId)) show(line, false);
      }
      transcript.load(conversationId);
      if (resumed) show({ kind: 'notice', text: 'Reconnected: the conversation goes on.' }, false);
      emit('chatFlowVersion', flowVersion);
    },
    botMessage(message) {
      typing.hidden = true;
      show({ kind: 'bot', text: message.text });
      showReplies(message);
      recorder.bot(message.text, message.options);
    },
    typing() {
      typing.hidden = false;
    },
    block(blockId) {
      emit('chatBlock', blockId);
    },
    waiting(blockId) {
      recorder.waiting(blockId);
    },
    unsent() {
      recorder.unsent();
    },
    notice(text, kind) {
      show({ kind: 'notice', text: kind === 'error' ? `⚠ ${text}` : text });
    },
  });

  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text === '') return;
    input.value = '';
    userSays(text);
  });

  connection.start();
}

function whoOf(line: Line): string {
  if (line.kind === 'bot') return 'Bot: ';
  if (line.kind === 'user') return 'You: ';
  return '';
}
