import { readFileSync } from 'node:fs';
import type { Flow } from '../../src/flow/types.ts';
import { validateFlow } from '../../src/flow/validate.ts';

export const examplePath = (name: string) => new URL(`../../examples/${name}.json`, import.meta.url);

/** Loads an example flow, failing loudly if it does not validate. */
export function loadExample(name: 'travel' | 'support-triage'): Flow {
  const result = validateFlow(JSON.parse(readFileSync(examplePath(name), 'utf8')));
  if (!result.valid) throw new Error(`examples/${name}.json is invalid: ${JSON.stringify(result.errors)}`);
  return result.flow;
}

/** Parses a flow written in a test, failing loudly if it does not validate. */
export function flowOf(document: unknown): Flow {
  const result = validateFlow(document);
  if (!result.valid) throw new Error(`test flow is invalid: ${JSON.stringify(result.errors)}`);
  return result.flow;
}
