/**
 * One instance, many concurrent resumes of one conversation: exactly one socket holds it each time.
 * On PostgreSQL the resumes' store calls really interleave (on SQLite they run one after the other).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { echoFlow } from '../support/flow-texts.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { resumeRace } from '../support/resume-race.ts';
import { type StartTestServerOptions, withTestServer } from '../support/server.ts';
import { ChatClient, type Frame } from '../support/ws-client.ts';

// 101 handshakes from one address in a few seconds: the per-address handshake rate is not under test here.
const MANY_HANDSHAKES = { WS_HANDSHAKES_PER_MINUTE: '0' };

async function raceOnOneInstance(options: StartTestServerOptions): Promise<void> {
  await withTestServer({ ...options, env: { ...MANY_HANDSHAKES, ...options.env } }, async (server) => {
    assert.equal((await server.api.put('/api/flow', echoFlow('race'))).status, 201);
    const first = await ChatClient.connect(server.url);
    await first.nth('waiting');
    const { conversationId, resumeToken } = first.frames[0] as Frame;
    first.close();
    const query = `?conversationId=${conversationId}&resumeToken=${resumeToken}`;
    for (let trial = 0; trial < 20; trial++) await resumeRace(Array(5).fill(server.url), query);
  });
}

describe('concurrent resumes on one instance: 20 trials of 5 at once, exactly one holder each time', () => {
  test('SQLite', () => raceOnOneInstance({}));

  test('PostgreSQL', async () => {
    const database = await createTestDatabase();
    try {
      await raceOnOneInstance({ env: { DATABASE_URL: database.url } });
    } finally {
      await database.drop();
    }
  });
});
