import { readFileSync } from 'node:fs';
import type { Flow } from '../../src/flow/types.ts';
import { validateFlow } from '../../src/flow/validate.ts';

export const examplePath = (name: string) => new URL(`../../examples/${name}.json`, import.meta.url);

/** Loads an example flow, failing loudly if it does not validate. */
export function loadExample(name: 'travel' | 'support-triage'): Flow {
  const result = validateFlow(JSON.parse(readFileSync(examplePath(name), 'utf8')));
  if (!result.valid) throw new Error(`examples/${name}.json is invalid: ${JSON.stringify(result.errors)}`);
  return result.flow;
}

/** Parses a flow written in a test, failing loudly if it does not validate. */
export function flowOf(document: unknown): Flow {
  const result = validateFlow(document);
  if (!result.valid) throw new Error(`test flow is invalid: ${JSON.stringify(result.errors)}`);
  return result.flow;
}

/** The replies of `weatherTravelFlow`: each path says something different, so a test sees which was taken. */
export const ROUTE_REPLIES = {
  weather: 'Sunny, 24 °C.',
  travel: 'Lisbon from 89 €.',
  notUnderstood: 'Sorry, I did not understand.',
  unavailable: 'The assistant is unavailable right now.',
} as const;

/**
 * wait → intent (weather / travel, 5 examples each) → a reply → wait again. noMatch and onError lead to
 * different replies, so a timeout read as a no-match shows.
 */
export function weatherTravelFlow(name: string) {
  return {
    formatVersion: 1,
    name,
    start: 'ask',
    blocks: [
      { id: 'ask', type: 'wait', saveAs: 'request', next: 'route' },
      {
        id: 'route',
        type: 'intent',
        input: '{{request}}',
        intents: [
          {
            id: 'weather',
            description: 'Give me the weather',
            examples: [
              'will it rain tomorrow',
              'weather forecast please',
              'is it sunny today',
              'how hot is it outside',
              'do I need an umbrella',
            ],
            next: 'weather',
          },
          {
            id: 'travel',
            description: 'Give me travel offers',
            examples: [
              'cheap flights',
              'holiday deals',
              'show me travel offers',
              'I want to go on holiday',
              'where can I travel',
            ],
            next: 'travel',
          },
        ],
        noMatch: 'not-understood',
        onError: 'unavailable',
      },
      { id: 'weather', type: 'message', text: ROUTE_REPLIES.weather, next: 'ask' },
      { id: 'travel', type: 'message', text: ROUTE_REPLIES.travel, next: 'ask' },
      { id: 'not-understood', type: 'message', text: ROUTE_REPLIES.notUnderstood, next: 'ask' },
      { id: 'unavailable', type: 'message', text: ROUTE_REPLIES.unavailable, next: 'ask' },
    ],
  };
}
