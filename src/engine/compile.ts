/** A flow prepared for the engine: blocks by id and condition patterns compiled once per version. */

import type { RE2JS } from 're2js';
import { compilePattern, walkTests } from '../flow/patterns.ts';
import type { Block, Flow } from '../flow/types.ts';

export interface CompiledFlow {
  version: number;
  flow: Flow;
  blocks: ReadonlyMap<string, Block>;
  /** Compiled `matches` patterns, keyed by `${ignoreCase}:${source}`. */
  patterns: ReadonlyMap<string, RE2JS>;
}

export const patternKey = (source: string, ignoreCase: boolean) => `${ignoreCase ? 'i' : '-'}:${source}`;

/** Expects a flow that passed validateFlow (patterns that do not compile are skipped and never match). */
export function compileFlow(flow: Flow, version: number): CompiledFlow {
  const blocks = new Map<string, Block>();
  const patterns = new Map<string, RE2JS>();
  for (const block of flow.blocks) {
    if (!blocks.has(block.id)) blocks.set(block.id, block);
    if (block.type !== 'condition') continue;
    for (const c of block.cases) {
      walkTests(c.if, '', (test) => {
        if (!('matches' in test)) return;
        const ignoreCase = test.ignoreCase === true;
        const compiled = compilePattern(test.matches, ignoreCase);
        if (compiled.ok) patterns.set(patternKey(test.matches, ignoreCase), compiled.pattern);
      });
    }
  }
  return { version, flow, blocks, patterns };
}
