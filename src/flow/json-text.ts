/**
 * Stored documents are kept byte for byte as uploaded, a leading byte-order mark included (JSON allows
 * one: RFC 8259 §8.1), but JSON.parse does not accept it: every reader of stored text parses through this.
 */
export const withoutByteOrderMark = (text: string): string =>
  text.startsWith('\uFEFF') ? text.slice(1) : text;

export const parseStoredJson = (text: string): unknown => JSON.parse(withoutByteOrderMark(text));
