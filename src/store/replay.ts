/** Argument checks shared by every adapter's replay queries (Store.getBotMessagesAfter, getReplyTo). */

export function checkReplayLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be an integer ≥ 1');
}

export function checkAfterSeq(afterSeq: number): void {
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
    throw new RangeError('afterSeq must be an integer ≥ 0');
  }
}
