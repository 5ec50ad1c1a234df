/**
 * Per-client-address WebSocket limits, against the real server and real `ws` clients: open sockets,
 * handshakes per minute, messages per second across an address's sockets, the idle timeout, and the
 * client address itself (X-Forwarded-For believed only behind TRUST_PROXY). Several addresses are
 * simulated from 127.0.0.1 with TRUST_PROXY=1 and a forged X-Forwarded-For.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { AddressLimits, addressKey } from '../../src/ws/address-limits.ts';
import { WS_FIXED_LIMITS, type WsLimits } from '../../src/ws/limits.ts';
import { HANDSHAKE_REFUSALS } from '../../src/ws/protocol.ts';
import { echoFlow } from '../support/flow-texts.ts';
import { type TestServer, withTestServer } from '../support/server.ts';
import { ChatClient, type Frame } from '../support/ws-client.ts';

const ECHO = echoFlow();

const from = (address: string) => ({ headers: { 'X-Forwarded-For': address } });

/** A handshake's answer: 101, or the refusal's status, headers and JSON body. */
function handshake(
  server: TestServer,
  headers: Record<string, string>,
): Promise<{ status: number; retryAfter?: string; body?: { error: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws`, { headers });
    socket.on('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          ...(res.headers['retry-after'] ? { retryAfter: res.headers['retry-after'] } : {}),
          body: JSON.parse(text),
        }),
      );
    });
    socket.on('open', () => {
      socket.close();
      resolve({ status: 101 });
    });
    socket.on('error', (err) => {
      if (!String(err).includes('Unexpected server response')) reject(err);
    });
  });
}

/** Waits (bounded) until the server has counted the sockets closed by the clients. */
async function serverConnections(server: TestServer, expected: number): Promise<void> {
  for (let polls = 0; server.chat.server.connections !== expected && polls < 500; polls++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(server.chat.server.connections, expected);
}

async function withEcho(env: Record<string, string>, body: (server: TestServer) => Promise<void>) {
  await withTestServer({ env: { WS_RATE_PER_SEC: '100', WS_RATE_BURST: '100', ...env } }, async (server) => {
    assert.equal((await server.api.put('/api/flow', ECHO)).status, 201);
    await body(server);
  });
}

describe('per-address WebSocket limits', () => {
  test('the 21st socket of one address gets 429 TOO_MANY_CONNECTIONS; another address is still accepted', async () => {
    await withEcho({ TRUST_PROXY: '1' }, async (server) => {
      const first = await Promise.all(
        Array.from({ length: 20 }, () => ChatClient.connect(server.url, '', from('203.0.113.7'))),
      );
      const refused = await handshake(server, { 'X-Forwarded-For': '203.0.113.7' });
      assert.deepEqual(refused, {
        status: 429,
        body: {
          error: { code: 'TOO_MANY_CONNECTIONS', message: HANDSHAKE_REFUSALS.TOO_MANY_CONNECTIONS.message },
        },
      });
      const other = await ChatClient.connect(server.url, '', from('198.51.100.9'));
      await other.nth('waiting');
      // One socket of the first address closes: it may open one again.
      first[0]?.close();
      await first[0]?.waitClosed();
      await serverConnections(server, 20);
      const again = await ChatClient.connect(server.url, '', from('203.0.113.7'));
      await again.nth('waiting');
      for (const client of [...first, other, again]) client.close();
    });
  });

  test('over WS_HANDSHAKES_PER_MINUTE: 429 TOO_MANY_HANDSHAKES with Retry-After; another address unaffected', async () => {
    await withEcho({ TRUST_PROXY: '1', WS_HANDSHAKES_PER_MINUTE: '5' }, async (server) => {
      for (let i = 0; i < 5; i++) {
        assert.equal((await handshake(server, { 'X-Forwarded-For': '203.0.113.7' })).status, 101);
      }
      const refused = await handshake(server, { 'X-Forwarded-For': '203.0.113.7' });
      assert.equal(refused.status, 429);
      assert.equal(refused.body?.error.code, 'TOO_MANY_HANDSHAKES');
      // 5 a minute: one handshake comes back every 12 s.
      const seconds = Number(refused.retryAfter);
      assert.ok(
        Number.isInteger(seconds) && seconds >= 1 && seconds <= 12,
        `Retry-After ${refused.retryAfter}`,
      );
      assert.equal((await handshake(server, { 'X-Forwarded-For': '198.51.100.9' })).status, 101);
    });
  });

  test('messages per second across the sockets of one address: RATE_LIMITED; another address unaffected', async () => {
    await withEcho(
      { TRUST_PROXY: '1', WS_ADDRESS_RATE_PER_SEC: '1', WS_ADDRESS_RATE_BURST: '3' },
      async (server) => {
        const sockets = await Promise.all(
          Array.from({ length: 3 }, () => ChatClient.connect(server.url, '', from('203.0.113.7'))),
        );
        await Promise.all(sockets.map((client) => client.nth('waiting')));
        // 12 messages, each socket well under its own rate (100/s): the address may send 3 (+1 a second).
        for (const client of sockets)
          for (let i = 0; i < 4; i++) client.send({ type: 'message', text: `m${i}` });
        const answered = (frames: Frame[]) =>
          frames.filter((f) => f.type === 'waiting').length -
          1 +
          frames.filter((f) => f.code === 'RATE_LIMITED').length;
        await Promise.all(sockets.map((client) => client.until((f) => answered(f) === 4, '4 answers')));
        const limited = sockets.reduce((sum, client) => sum + client.count('error'), 0);
        assert.ok(limited >= 6, `${limited} of 12 messages RATE_LIMITED`);
        assert.ok(
          sockets.every((client) =>
            client.frames.every((f) => f.type !== 'error' || f.code === 'RATE_LIMITED'),
          ),
        );

        const other = await ChatClient.connect(server.url, '', from('198.51.100.9'));
        await other.nth('waiting');
        for (let i = 0; i < 3; i++) other.send({ type: 'message', text: `o${i}` });
        await other.nth('waiting', 4);
        assert.equal(other.count('error'), 0);
        for (const client of [...sockets, other]) client.close();
      },
    );
  });

  test('WS_IDLE_TIMEOUT_MS closes a socket that answers every ping but sends nothing (4408); it can resume', async () => {
    await withEcho({ WS_PING_INTERVAL_MS: '100', WS_IDLE_TIMEOUT_MS: '300' }, async (server) => {
      const client = await ChatClient.connect(server.url);
      let pings = 0;
      client.socket.on('ping', () => pings++);
      const { conversationId, resumeToken } = (await client.nth('conversation')) as Frame;
      const closed = await client.waitClosed();
      assert.equal(closed.code, 4408);
      assert.ok(pings >= 2, `${pings} pings answered before the idle close`);
      const resumed = await ChatClient.connect(
        server.url,
        `?conversationId=${conversationId}&resumeToken=${resumeToken}`,
      );
      assert.equal((await resumed.nth('conversation')).resumed, true);
      await resumed.nth('waiting');
      resumed.close();
    });
  });

  test('TRUST_PROXY off: X-Forwarded-For is ignored, every forged address counts as the peer', async () => {
    await withEcho({ WS_MAX_CONNECTIONS_PER_ADDRESS: '2' }, async (server) => {
      const a = await ChatClient.connect(server.url, '', from('203.0.113.1'));
      const b = await ChatClient.connect(server.url, '', from('203.0.113.2'));
      const refused = await handshake(server, { 'X-Forwarded-For': '203.0.113.3' });
      assert.equal(refused.status, 429);
      assert.equal(refused.body?.error.code, 'TOO_MANY_CONNECTIONS');
      a.close();
      b.close();
    });
  });

  test('the runtime is given the client address of each socket', async () => {
    await withEcho({ TRUST_PROXY: '1' }, async (server) => {
      const seen: (string | undefined)[] = [];
      const runtime = server.chat.runtime;
      const start = runtime.start.bind(runtime);
      runtime.start = (outbox) => {
        seen.push(outbox.clientAddress);
        return start(outbox);
      };
      const client = await ChatClient.connect(server.url, '', from('203.0.113.7'));
      await client.nth('waiting');
      const direct = await ChatClient.connect(server.url);
      await direct.nth('waiting');
      assert.deepEqual(seen, ['203.0.113.7', '127.0.0.1']);
      client.close();
      direct.close();
    });
  });
});

describe('per-address counters', () => {
  const limits: WsLimits = {
    maxFrameBytes: 16_384,
    maxTextChars: 4000,
    ratePerSec: 10,
    rateBurst: 20,
    maxConnections: 10_000,
    pingIntervalMs: 30_000,
    maxConnectionsPerAddress: 20,
    handshakesPerMinute: 60,
    addressRatePerSec: 20,
    addressRateBurst: 40,
    idleTimeoutMs: 600_000,
  };

  test('IPv6 addresses count per /64; IPv4 ones each on their own', () => {
    assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:DB8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:0db8:0001:0002::'), '2001:db8:1:2::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(addressKey('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
    assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
    assert.notEqual(addressKey('203.0.113.7'), addressKey('203.0.113.8'));
  });

  test('an idle address is forgotten once its counters have refilled; one with a socket open is kept', () => {
    let now = 0;
    const addresses = new AddressLimits(limits, () => now);
    const open = addresses.admit('203.0.113.1');
    assert.ok(open.ok);
    open.entry.sockets++;
    assert.ok(addresses.admit('203.0.113.2').ok);
    now = 59_000;
    addresses.sweep();
    assert.equal(addresses.size, 2, 'the handshake counter of .2 has not refilled yet');
    now = 60_000;
    addresses.sweep();
    assert.equal(addresses.size, 1, '.2 is forgotten; .1 still has a socket');
  });

  test('at most maxIdleAddresses idle addresses are kept, the least recently seen dropped first', () => {
    const now = 0;
    const addresses = new AddressLimits(limits, () => now);
    const busy = addresses.admit('198.51.100.1');
    assert.ok(busy.ok);
    busy.entry.sockets++;
    // A handshake budget nearly spent, so that forgetting it would show.
    for (let i = 0; i < 59; i++) addresses.admit('198.51.100.2');
    const max = WS_FIXED_LIMITS.maxIdleAddresses;
    for (let i = 0; addresses.size < max; i++)
      addresses.admit(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    addresses.admit('198.51.100.2');
    for (let i = 0; i < 10; i++) addresses.admit(`172.16.0.${i}`);
    assert.equal(addresses.size, max);
    // .2 was seen recently: still counted (its 61st handshake within the minute is refused).
    assert.equal(addresses.admit('198.51.100.2').ok, false);
    // .1 has a socket open: never dropped, so its count still holds.
    busy.entry.sockets = limits.maxConnectionsPerAddress;
    assert.deepEqual(addresses.admit('198.51.100.1'), { ok: false, reason: 'TOO_MANY_CONNECTIONS' });
  });
});
