import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bearerToken, tokensEqual } from '../../src/http/auth.ts';
import { parseIfMatch } from '../../src/http/etag.ts';

describe('bearer tokens', () => {
  test('parses the Bearer scheme case-insensitively', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bearer   abc'), 'abc');
    assert.equal(bearerToken('BEARER abc.def-ghi_~+/='), 'abc.def-ghi_~+/=');
    assert.equal(bearerToken(undefined), null);
    assert.equal(bearerToken('Basic abc'), null);
    assert.equal(bearerToken('Bearer'), null);
    assert.equal(bearerToken('Bearer a b'), null);
  });

  test('compares tokens of any length', () => {
    assert.equal(tokensEqual('same-token', 'same-token'), true);
    assert.equal(tokensEqual('same-token', 'same-tokeN'), false);
    assert.equal(tokensEqual('short', 'a-much-longer-token'), false);
    assert.equal(tokensEqual('', 'x'), false);
  });
});

describe('If-Match', () => {
  test('a single strong version tag', () => {
    assert.equal(parseIfMatch(undefined), undefined);
    assert.equal(parseIfMatch('"7"'), 7);
    assert.equal(parseIfMatch(' "12" '), 12);
    for (const bad of ['7', '"0"', '"07"', 'W/"7"', '"7", "8"', '*', '""', '"-1"']) {
      assert.throws(() => parseIfMatch(bad), { code: 'BAD_REQUEST' }, bad);
    }
  });
});
