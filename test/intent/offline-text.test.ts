import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstPerLabel, parseCsv } from '../../bench/dataset.ts';
import { percentile } from '../../bench/report.ts';
import { OFFLINE_LIMITS } from '../../src/intent/offline/limits.ts';
import { canonicalText, featureText, truncateCodePoints } from '../../src/intent/offline/normalize.ts';

describe('offline classifier: text normalisation', () => {
  it('lowercases, folds full-width forms (NFKC) and Latin accents, drops apostrophes and punctuation', () => {
    assert.equal(featureText('  Where’s my CAFÉ   crème?! '), 'wheres my cafe creme');
    assert.equal(featureText('ｗｉｌｌ ｉｔ ｒａｉｎ'), 'will it rain');
    assert.equal(featureText("don't-stop_now"), 'dont stop now');
  });

  it('keeps the marks of non-Latin scripts, which carry meaning there', () => {
    assert.equal(featureText('नमस्ते'), 'नमस्ते');
    assert.equal(featureText('Привет, мир'), 'привет мир');
  });

  it('maps every digit to 0 for the classifier, but keeps digits for exact matching', () => {
    assert.equal(featureText('Top up 25€ on 3/4'), 'top up 00 on 0 0');
    assert.equal(canonicalText('Top up 25€ on 3/4'), 'top up 25 on 3 4');
  });

  it('truncates by code points without splitting a surrogate pair', () => {
    assert.equal(truncateCodePoints('a😀b', 2), 'a😀');
    assert.equal(truncateCodePoints('😀😀😀', 1), '😀');
    assert.equal(truncateCodePoints('short', 10), 'short');
    const long = 'é😀'.repeat(OFFLINE_LIMITS.maxInputChars);
    assert.equal(
      [...truncateCodePoints(long, OFFLINE_LIMITS.maxInputChars)].length,
      OFFLINE_LIMITS.maxInputChars,
    );
  });

  it('bounds the work on a huge input to the declared limit', () => {
    const normalized = featureText(`${'word '.repeat(1_000_000)}`);
    assert.ok(normalized.length <= OFFLINE_LIMITS.maxInputChars);
    assert.ok(normalized.startsWith('word word'));
  });
});

describe('bench helpers', () => {
  it('parses RFC 4180 CSV: quoted commas, doubled quotes, CRLF', () => {
    const rows = parseCsv('text,category\r\n"Hi, there","a"\r\n"He said ""no""",b\nplain,c\n');
    assert.deepEqual(rows, [
      ['text', 'category'],
      ['Hi, there', 'a'],
      ['He said "no"', 'b'],
      ['plain', 'c'],
    ]);
  });

  it('takes the first n rows of each label, in file order', () => {
    const rows = ['a1', 'b1', 'a2', 'a3', 'b2'].map((text) => ({ text, label: text[0] as string }));
    assert.deepEqual(
      firstPerLabel(rows, 2).map((r) => r.text),
      ['a1', 'b1', 'a2', 'b2'],
    );
  });

  it('computes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile([7], 99), 7);
  });
});
