/**
 * A small flow for conversation tests over a server: a name kept by a `wait`, a greeting made by a
 * `set`, quick replies, then the intent block of `weatherTravelFlow` (flows.ts), whose second no-match
 * in a row ends the conversation. Each path says something different, so a test sees which was taken.
 */
import type { TestFile } from '../../src/flow-tests/format.ts';
import { parseTestsDocument } from '../../src/flow-tests/parse.ts';
import { ROUTE_REPLIES, weatherTravelFlow } from './flows.ts';

export const ORDERS_TEXTS = {
  hello: 'Hi! What is your name?',
  menu: (name: string) => `Hello ${name}! Weather or travel?`,
  weather: ROUTE_REPLIES.weather,
  travel: ROUTE_REPLIES.travel,
  sorry: ROUTE_REPLIES.notUnderstood,
  unavailable: ROUTE_REPLIES.unavailable,
  bye: (name: string) => `Goodbye, ${name}!`,
} as const;

const [ask, route, ...replies] = weatherTravelFlow('Orders').blocks;

export const ORDERS_FLOW = {
  formatVersion: 1,
  name: 'Orders',
  start: 'hello',
  blocks: [
    { id: 'hello', type: 'message', text: ORDERS_TEXTS.hello, next: 'ask-name' },
    { id: 'ask-name', type: 'wait', saveAs: 'name', next: 'greet' },
    { id: 'greet', type: 'set', values: { greeting: 'Hello {{name}}' }, next: 'menu' },
    {
      id: 'menu',
      type: 'message',
      text: '{{greeting}}! Weather or travel?',
      options: ['Weather', 'Travel'],
      next: 'ask',
    },
    ask,
    { ...route, maxNoMatch: 2, onMaxNoMatch: 'bye' },
    ...replies,
    { id: 'bye', type: 'end', text: 'Goodbye, {{name}}!' },
  ],
};

/** A test file as its author writes it, checked by the parser (so a typo in a test fails loudly). */
export function testsOf(conversations: unknown[]): TestFile {
  const parsed = parseTestsDocument({ formatVersion: 1, flow: { current: true }, conversations });
  if (!parsed.ok) throw new Error(`test file is invalid: ${JSON.stringify(parsed.problems)}`);
  return parsed.tests;
}
