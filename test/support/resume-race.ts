/** Concurrent resumes of one conversation: exactly one socket may hold it afterwards. */
import assert from 'node:assert/strict';
import { ChatClient, texts } from './ws-client.ts';

/** Resolves once all but one of `clients` have closed; rejects after `timeoutMs` otherwise. */
function allButOneClosed(clients: readonly ChatClient[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let closed = 0;
    const timer = setTimeout(
      () => reject(new Error(`only ${closed} of ${clients.length - 1} losing sockets were closed`)),
      timeoutMs,
    );
    for (const client of clients) {
      void client.waitClosed().then(
        () => {
          if (++closed !== clients.length - 1) return;
          clearTimeout(timer);
          resolve();
        },
        () => {},
      );
    }
  });
}

/**
 * Opens one resume socket per url, all at once. Waits until all but one are closed and checks each got
 * 4409, then checks the last one holds the conversation with a full round trip. Fails when two sockets
 * stay open (two holders) or when every socket is closed (no holder).
 */
export async function resumeRace(urls: readonly string[], query: string): Promise<void> {
  const clients = await Promise.all(urls.map((url) => ChatClient.connect(url, query)));
  try {
    await allButOneClosed(clients, 5_000);
    const losers = clients.filter((client) => client.closed !== null);
    assert.deepEqual(
      losers.map((client) => client.closed?.code),
      losers.map(() => 4409),
      'every losing socket is closed with 4409',
    );
    const holder = clients.find((client) => client.closed === null);
    assert.ok(holder, 'one socket still holds the conversation');
    await holder.nth('waiting');
    assert.equal(texts(await holder.say('still here')).length, 1, 'the holder is answered');
    assert.equal(holder.closed, null, 'the holder keeps its socket');
  } finally {
    for (const client of clients) client.close();
  }
}
