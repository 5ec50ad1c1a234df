/** The client address behind a request, with a real HTTP server on 127.0.0.1 and forged headers. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import {
  type ClientAddressOf,
  clientAddressResolver,
  parseTrustProxy,
  type TrustProxy,
} from '../../src/http/client-address.ts';

let resolve: ClientAddressOf = () => '';
const server = createServer((request, response) => response.end(resolve(request)));
let url = '';
before(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
after(() => server.close());

async function seenAs(trust: TrustProxy, forwardedFor?: string): Promise<string> {
  resolve = clientAddressResolver(trust);
  const response = await fetch(url, { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });
  return response.text();
}

const parsed = (value: string) => {
  const trust = parseTrustProxy(value);
  assert.ok(!('error' in trust), value);
  return trust;
};

test('off (the default): the socket peer, whatever X-Forwarded-For claims', async () => {
  assert.equal(await seenAs(parsed(''), '203.0.113.9'), '127.0.0.1');
  assert.equal(await seenAs(parsed('off'), '203.0.113.9'), '127.0.0.1');
});

test('a hop count believes that many proxies, from the nearest', async () => {
  assert.equal(await seenAs(parsed('1'), '198.51.100.1, 203.0.113.9'), '203.0.113.9');
  assert.equal(await seenAs(parsed('2'), '198.51.100.1, 203.0.113.9'), '198.51.100.1');
  assert.equal(await seenAs(parsed('1')), '127.0.0.1', 'no header: the peer');
});

test('a list believes only the proxies it names', async () => {
  assert.equal(await seenAs(parsed('127.0.0.1'), '203.0.113.9'), '203.0.113.9');
  assert.equal(
    await seenAs(parsed('10.0.0.0/8'), '203.0.113.9'),
    '127.0.0.1',
    'the peer is not a listed proxy',
  );
  assert.equal(
    await seenAs(parsed('127.0.0.0/8, 203.0.113.0/24'), '198.51.100.7, 203.0.113.9'),
    '198.51.100.7',
  );
});

test('a value that is neither off, a count nor addresses is refused', () => {
  assert.ok('error' in parseTrustProxy('yes please'));
});
