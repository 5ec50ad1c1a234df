/**
 * A small flow for the conversation-test tests: a quick-reply menu, an intent block whose intents
 * lead on to a second intent block in the same turn, `set` blocks, two ends.
 */
import type { Flow } from '../../src/flow/types.ts';

export const PIZZERIA: Flow = {
  formatVersion: 1,
  name: 'Pizzeria',
  start: 'greet',
  blocks: [
    { id: 'greet', type: 'message', text: 'Pizza or pasta?', options: ['Pizza', 'Pasta'], next: 'ask' },
    { id: 'ask', type: 'wait', saveAs: 'choice', next: 'dish' },
    {
      id: 'dish',
      type: 'intent',
      intents: [
        {
          id: 'pizza',
          description: 'Pizza',
          examples: ['a pizza please', 'I want pizza', 'margherita'],
          next: 'size',
        },
        {
          id: 'pasta',
          description: 'Pasta',
          examples: ['pasta please', 'spaghetti', 'I want pasta'],
          next: 'pasta',
        },
      ],
      noMatch: 'sorry',
      maxNoMatch: 2,
      onMaxNoMatch: 'giveup',
    },
    {
      id: 'size',
      type: 'intent',
      intents: [
        { id: 'large', description: 'Large', examples: ['large', 'a big one', 'family size'], next: 'large' },
        { id: 'small', description: 'Small', examples: ['small', 'a little one', 'mini'], next: 'small' },
      ],
      noMatch: 'small',
    },
    { id: 'large', type: 'set', values: { order: 'large pizza' }, next: 'done' },
    { id: 'small', type: 'set', values: { order: 'small pizza' }, next: 'done' },
    { id: 'pasta', type: 'set', values: { order: 'pasta' }, next: 'done' },
    {
      id: 'sorry',
      type: 'message',
      text: 'Sorry, pizza or pasta?',
      options: ['Pizza', 'Pasta'],
      next: 'ask',
    },
    { id: 'done', type: 'end', text: 'One {{order}}, coming up.' },
    { id: 'giveup', type: 'end', text: 'Let us stop here.' },
  ],
};
