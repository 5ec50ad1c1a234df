/** Flow versions as entity tags: version N is `"N"`. */
import { ApiError } from './errors.ts';

export function versionEtag(version: number): string {
  return `"${version}"`;
}

const VERSION_TAG = /^"([1-9][0-9]{0,14})"$/;

/** The version named by `If-Match`, undefined without the header; BAD_REQUEST when it is not `"N"`. */
export function parseIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = typeof header === 'string' ? header.trim().match(VERSION_TAG) : null;
  if (!match?.[1]) {
    throw new ApiError('BAD_REQUEST', 'If-Match must be one flow version tag, such as "3" (with the quotes)');
  }
  return Number(match[1]);
}
