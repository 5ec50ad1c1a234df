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
