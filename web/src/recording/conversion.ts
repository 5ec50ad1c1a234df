/**
 * "Save as test": the conversation the chat just had, turned into one conversation of a test file
 * (docs/conversation-tests.md). What the chat saw (its frames, and which replies were clicks) gives the
 * steps; the server's history gives the intents detected at each turn, which no frame carries.
 * Pure: the chat pane records, the panel fetches and shows, this only converts.
 */
import type {
  BotExpectation,
  IntentAnswer,
  TestConversation,
  TestFile,
  TestStep,
} from '../../../src/flow-tests/format.ts';
import { TEST_FILE_LIMITS } from '../../../src/flow-tests/limits.ts';

/** The test file format's JSON Schema id (format.ts's TESTS_SCHEMA_ID: that module is not bundled). */
export const TESTS_SCHEMA = 'https://chatflow.dev/schemas/flow-tests.json';

/** What the chat saw, in order: one item per frame that matters to a test, and each user message. */
export type Recorded =
  | { kind: 'bot'; text: string; options?: string[] }
  /** `click`: the user pressed a quick-reply button rather than typing. */
  | { kind: 'user'; text: string; click?: true }
  | { kind: 'waiting'; blockId: string }
  | { kind: 'ended' }
  /** The server refused the last user message (rate limit, too long…): it never took a turn. */
  | { kind: 'unsent' };

/** A history event as `GET /api/conversations/:id` lists it (only `type` and `data` are read). */
export interface StoredEvent {
  type: string;
  data: Record<string, unknown>;
}

interface Turn {
  input?: { text: string; click: boolean };
  bot: { text: string; options?: string[] }[];
  at?: string;
  ended: boolean;
}

export interface Recording {
  name: string;
  /** Add `pinned: true` to the steps with an intent: they then run without the classifier. */
  pin: boolean;
}

export type Converted =
  | { ok: true; conversation: TestConversation; notes: string[] }
  | { ok: false; message: string };

/** The recorded items as turns: the bot's opening turn, then one per user message. */
export function turnsOf(recorded: readonly Recorded[]): Turn[] {
  const turns: Turn[] = [{ bot: [], ended: false }];
  for (const item of recorded) {
    const turn = turns.at(-1) as Turn;
    switch (item.kind) {
      case 'bot':
        turn.bot.push(
          item.options?.length ? { text: item.text, options: item.options } : { text: item.text },
        );
        break;
      case 'user':
        turns.push({ input: { text: item.text, click: item.click === true }, bot: [], ended: false });
        break;
      case 'waiting':
        turn.at = item.blockId;
        break;
      case 'ended':
        turn.ended = true;
        break;
      case 'unsent':
        if (turn.input && turn.bot.length === 0 && turn.at === undefined && turns.length > 1) turns.pop();
        break;
    }
  }
  return turns;
}

/** One answer per classification, per turn (index 0: before the first user message); undefined when unknowable. */
interface HistoryTurns {
  userTexts: string[];
  intents: (IntentAnswer[] | undefined)[];
}

function historyTurns(events: readonly StoredEvent[]): HistoryTurns {
  const userTexts: string[] = [];
  const intents: (IntentAnswer[] | undefined)[] = [[]];
  for (const event of events) {
    const current = intents.length - 1;
    if (event.type === 'message.user') {
      userTexts.push(String(event.data.text));
      intents.push([]);
    } else if (event.type === 'intent.detected') {
      intents[current]?.push(String(event.data.intent));
    } else if (event.type === 'intent.no_match') {
      intents[current]?.push(null);
    } else if (event.type === 'intent.error') {
      // A failed classification is neither an intent nor a no-match: a test cannot expect it.
      intents[current] = undefined;
    }
  }
  return { userTexts, intents };
}

function botOf(turn: Turn): BotExpectation[] {
  return turn.bot.map((message) => (message.options ? message : message.text));
}

/** A click only when the text is one of the quick replies the bot's last message offered. */
function inputOf(turn: Turn, previous: Turn | undefined): Pick<TestStep, 'user' | 'click'> {
  if (!turn.input) return {};
  const offered = previous?.bot.at(-1)?.options ?? [];
  return turn.input.click && offered.includes(turn.input.text)
    ? { click: turn.input.text }
    : { user: turn.input.text };
}

function intentOf(answers: IntentAnswer[] | undefined, pin: boolean): Pick<TestStep, 'intent' | 'pinned'> {
  if (answers === undefined || answers.length === 0) return {};
  const intent = answers.length === 1 ? (answers[0] as IntentAnswer) : answers;
  return pin ? { intent, pinned: true } : { intent };
}

function stepOf(turn: Turn, previous: Turn | undefined, answers: IntentAnswer[] | undefined, pin: boolean) {
  const step: TestStep = { ...inputOf(turn, previous), bot: botOf(turn), ...intentOf(answers, pin) };
  if (turn.ended) step.ended = true;
  else if (turn.at !== undefined) step.at = turn.at;
  return step;
}

/** Why the chat's record and the server's history tell different stories, if they do. */
function disagreement(turns: readonly Turn[], history: HistoryTurns): string | undefined {
  const typed = turns.flatMap((turn) => (turn.input ? [turn.input.text] : []));
  const stored = history.userTexts;
  const same = typed.length === stored.length && typed.every((text, i) => text === stored[i]);
  if (same) return undefined;
  return `The chat saw ${typed.length} user message(s) and the server's history has ${stored.length}: the conversation cannot be saved as it happened. Start a new conversation and record it again.`;
}

/**
 * The test conversation for what the chat recorded. `events` is the conversation's history (for the
 * intents), or null when it could not be read: the steps then have no `intent`.
 */
export function toTestConversation(
  recorded: readonly Recorded[],
  events: readonly StoredEvent[] | null,
  options: Recording,
): Converted {
  const name = options.name.trim();
  if (name === '') return { ok: false, message: 'Give the test a name.' };
  if (name.length > TEST_FILE_LIMITS.maxNameChars) {
    return { ok: false, message: `The name is longer than ${TEST_FILE_LIMITS.maxNameChars} characters.` };
  }
  const turns = turnsOf(recorded);
  if (turns.length > TEST_FILE_LIMITS.maxStepsPerConversation) {
    return {
      ok: false,
      message: `The conversation has ${turns.length} turns; a test conversation holds at most ${TEST_FILE_LIMITS.maxStepsPerConversation}.`,
    };
  }
  const history = events === null ? null : historyTurns(events);
  const differs = history && disagreement(turns, history);
  if (differs) return { ok: false, message: differs };
  const notes: string[] = [];
  if (history === null) notes.push('Without the admin token the intents detected are not included.');
  if (history?.intents.includes(undefined)) {
    notes.push('A classification failed during the conversation: that turn checks no intent.');
  }
  const steps = turns.map((turn, i) => stepOf(turn, turns[i - 1], history?.intents[i], options.pin));
  return { ok: true, conversation: { name, steps }, notes };
}

/** A test file of the current flow holding these conversations. */
export function testFileOf(conversations: TestConversation[]): TestFile {
  return { $schema: TESTS_SCHEMA, formatVersion: 1, flow: { current: true }, conversations };
}

/** The stored file with `conversation` added, or put in place of the one of the same name. */
export function withConversation(file: TestFile | null, conversation: TestConversation): TestFile {
  if (file === null) return testFileOf([conversation]);
  const others = file.conversations;
  const index = others.findIndex((c) => c.name === conversation.name);
  const conversations =
    index === -1 ? [...others, conversation] : others.map((c, i) => (i === index ? conversation : c));
  return { ...file, conversations };
}

/** `<name>.tests.json`, with the name made safe for a file system. */
export function downloadName(name: string): string {
  const safe = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, 80);
  return `${safe || 'conversation'}.tests.json`;
}

/** JSON on one line, spaced as the flows in examples/ are: `{ "a": [1, 2] }`. */
function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const fields = Object.entries(value).filter(([, v]) => v !== undefined);
    if (fields.length === 0) return '{}';
    return `{ ${fields.map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}

/**
 * The file as text to read and edit: indented by two, but a list or an object that fits on its line
 * (`width` columns) is written on one line: a bot message always is, a step often.
 */
export function formatTestFile(value: unknown, width = 80): string {
  return formatted(value, width, '', 0);
}

/** `lead`: how many characters stand before the value on its first line, after the indent (a key). */
function formatted(value: unknown, width: number, indent: string, lead: number): string {
  const flat = inline(value);
  if (typeof value !== 'object' || value === null || indent.length + lead + flat.length <= width) return flat;
  const inner = `${indent}  `;
  const lines = Array.isArray(value)
    ? value.map((item) => inner + formatted(item, width, inner, 0))
    : Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([key, v]) => {
          const label = `${JSON.stringify(key)}: `;
          return inner + label + formatted(v, width, inner, label.length);
        });
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${lines.join(',\n')}\n${indent}${close}`;
}
