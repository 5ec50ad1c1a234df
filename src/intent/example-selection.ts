/**
 * Which examples of an intent the LLM is shown: the most varied few, not the first few in the author's
 * order (authors often write variations of one phrasing in a row). Farthest-first over TF-IDF vectors:
 * start from the author's first example, then repeatedly take the example least similar (cosine) to
 * every one already taken. Deterministic; ties go to the earlier example.
 */

type Vector = Map<string, number>;

const words = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

function tfIdfVectors(examples: readonly string[]): Vector[] {
  const bags = examples.map(words);
  const documentFrequency = new Map<string, number>();
  for (const bag of bags) {
    for (const word of new Set(bag)) documentFrequency.set(word, (documentFrequency.get(word) ?? 0) + 1);
  }
  return bags.map((bag) => {
    const vector: Vector = new Map();
    for (const word of bag) vector.set(word, (vector.get(word) ?? 0) + 1);
    let norm = 0;
    for (const [word, count] of vector) {
      const weight = count * Math.log((1 + bags.length) / (1 + (documentFrequency.get(word) ?? 0)) + 1);
      vector.set(word, weight);
      norm += weight * weight;
    }
    const length = Math.sqrt(norm) || 1;
    for (const [word, weight] of vector) vector.set(word, weight / length);
    return vector;
  });
}

function cosine(a: Vector, b: Vector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let sum = 0;
  for (const [word, weight] of small) sum += weight * (large.get(word) ?? 0);
  return sum;
}

/** The indexes of the `count` most varied examples, in the order they were chosen. */
function farthestFirst(examples: readonly string[], count: number): number[] {
  const vectors = tfIdfVectors(examples);
  const chosen = [0];
  // The highest similarity of each example to any chosen one; a chosen example is never taken again.
  const closest = vectors.map((vector) => cosine(vector, vectors[0] as Vector));
  closest[0] = Number.POSITIVE_INFINITY;
  while (chosen.length < count) {
    let best = -1;
    let bestSimilarity = Number.POSITIVE_INFINITY;
    for (let i = 0; i < examples.length; i += 1) {
      const similarity = closest[i] as number;
      if (similarity < bestSimilarity) {
        best = i;
        bestSimilarity = similarity;
      }
    }
    if (best < 0) break;
    chosen.push(best);
    for (let i = 0; i < examples.length; i += 1) {
      const similarity = cosine(vectors[i] as Vector, vectors[best] as Vector);
      if (similarity > (closest[i] as number)) closest[i] = similarity;
    }
    closest[best] = Number.POSITIVE_INFINITY;
  }
  return chosen;
}

/** Per examples array (the compiled flow's, reused by every request of a block), per count. */
const memo = new WeakMap<readonly string[], Map<number, readonly string[]>>();

/** Up to `count` examples, the most varied first; all of them (in order) when there are no more. */
export function variedExamples(examples: readonly string[], count: number): readonly string[] {
  if (count <= 0) return [];
  if (examples.length <= count) return examples;
  let byCount = memo.get(examples);
  if (!byCount) {
    byCount = new Map();
    memo.set(examples, byCount);
  }
  let selected = byCount.get(count);
  if (!selected) {
    selected = farthestFirst(examples, count).map((index) => examples[index] as string);
    byCount.set(count, selected);
  }
  return selected;
}
