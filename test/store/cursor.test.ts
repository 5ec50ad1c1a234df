import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeCursor, encodeCursor, MAX_CURSOR_CHARS } from '../../src/store/cursor.ts';
import { InvalidCursorError } from '../../src/store/store.ts';

test('any sort key survives encode → decode, and the cursor is URL-safe', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, unit: 'binary' }),
      fc.string({ minLength: 1, unit: 'grapheme' }),
      (startedAt, id) => {
        const cursor = encodeCursor({ startedAt, id });
        assert.match(cursor, /^[A-Za-z0-9_-]+$/);
        assert.deepEqual(decodeCursor(cursor), { startedAt, id });
      },
    ),
  );
});

test('arbitrary strings either decode to a well-formed key or throw InvalidCursorError, nothing else', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.base64String(),
        fc.json().map((j) => Buffer.from(j).toString('base64url')),
      ),
      (cursor) => {
        try {
          const key = decodeCursor(cursor);
          assert.equal(typeof key.startedAt, 'string');
          assert.equal(typeof key.id, 'string');
        } catch (error) {
          assert.ok(error instanceof InvalidCursorError, String(error));
        }
      },
    ),
  );
});

test('extra fields, empty parts and oversized cursors are refused', () => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  for (const cursor of [
    encode({ s: 'a', i: 'b', extra: 1 }),
    encode({ s: '', i: 'b' }),
    encode({ s: 'a' }),
    'A'.repeat(MAX_CURSOR_CHARS + 1),
  ]) {
    assert.throws(() => decodeCursor(cursor), InvalidCursorError, cursor);
  }
});
