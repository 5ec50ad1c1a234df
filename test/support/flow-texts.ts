/** Flow documents for the HTTP tests. */

/** A small valid flow, written by hand with its own formatting (the server must keep it byte for byte). */
export function flowText(name = 'Test flow', greeting = 'Hello «there» 👋'): string {
  return `{
  "formatVersion": 1,
    "name": ${JSON.stringify(name)},
  "start": "welcome",
  "blocks": [
    { "id": "welcome", "type": "message", "text": ${JSON.stringify(greeting)}, "next": "ask" },
    { "id": "ask",     "type": "wait", "saveAs": "request", "next": "bye" },
    { "id": "bye", "type": "end", "text": "Bye \\u00e9" }
  ]
}
`;
}

/** A conversation-test file of `flowText()`: the bot greets and waits, then says bye to any answer. */
export function flowTestsText(): string {
  return JSON.stringify({
    formatVersion: 1,
    conversations: [
      {
        name: 'greets and says bye',
        steps: [
          { bot: ['Hello «there» 👋'], at: 'ask' },
          { user: 'hi', bot: ['Bye é'], vars: { request: 'hi' }, ended: true },
        ],
      },
    ],
  });
}

/** A conversation-test file of examples/travel.json with every kind of step and expectation. */
export const TRAVEL_TESTS = {
  $schema: 'https://chatflow.dev/schemas/flow-tests.json',
  formatVersion: 1,
  flow: '../examples/travel.json',
  conversations: [
    {
      name: 'weather, then a pinned no-match',
      steps: [
        { bot: [{ matches: '^Hi! I can give you' }], at: 'ask' },
        {
          user: 'will it rain tomorrow',
          intent: 'weather',
          bot: ['Sunny, 24 °C.'],
          vars: { intent: 'weather' },
        },
        {
          user: 'blue',
          intent: null,
          pinned: true,
          bot: [{ text: 'Sorry, I did not understand "blue". Could you rephrase?' }],
          at: 'ask',
        },
      ],
    },
    { name: 'the server current flow', steps: [{ user: 'cheap flights', intent: ['travel'], ended: false }] },
  ],
};

/** Schema problems at known pointers: a typo'd field and a bad block type. */
export const INVALID_FLOW = JSON.stringify({
  formatVersion: 1,
  name: 'Broken',
  start: 'welcome',
  blocks: [
    { id: 'welcome', type: 'message', text: 'hi', nxt: 'ask' },
    { id: 'ask', type: 'wait', next: 'welcome' },
    { id: 'x', type: 'teleport' },
  ],
});

/** A flow whose one intent block carries `examples` examples in total (15,000 ≈ 1 MB, issue 3). */
export function bigFlowText(examples: number): string {
  const perIntent = Math.ceil(examples / 3);
  const intents = ['weather', 'travel', 'food'].map((id) => ({
    id,
    description: `About ${id}`,
    examples: Array.from(
      { length: perIntent },
      (_, i) => `could you please tell me something about ${id}, this is example number ${i}`,
    ),
    next: 'ask',
  }));
  return JSON.stringify({
    formatVersion: 1,
    name: 'Big',
    start: 'ask',
    blocks: [
      { id: 'ask', type: 'wait', next: 'route' },
      { id: 'route', type: 'intent', intents, noMatch: 'ask' },
    ],
  });
}

/** A flow with no intent: every user message is echoed back as `<prefix>: <text>`, then it waits again. */
export function echoFlow(prefix = 'echo'): string {
  return JSON.stringify({
    formatVersion: 1,
    name: `Echo ${prefix}`,
    start: 'ask',
    blocks: [
      { id: 'ask', type: 'wait', next: 'echo' },
      { id: 'echo', type: 'message', text: `${prefix}: {{lastMessage}}`, next: 'ask' },
    ],
  });
}
