/**
 * Compiled flow versions, loaded from the store on demand. Versions are immutable, so a compiled
 * version is cached for good (bounded LRU); only the pointer to the current version changes, and
 * `invalidate()` drops it when a version is uploaded or activated.
 */
import { LRUCache } from 'lru-cache';
import { type CompiledFlow, compileFlow, intentDefinitions } from '../engine/index.ts';
import { parseStoredJson } from '../flow/json-text.ts';
import { validateFlow } from '../flow/validate.ts';
import type { IntentClassifier } from '../intent/port.ts';
import type { Store } from '../store/store.ts';

export const CATALOG_LIMITS = { cachedVersions: 32 } as const;

export class FlowUnavailableError extends Error {
  override readonly name = 'FlowUnavailableError';
}

export interface FlowCatalog {
  /** The current version, compiled. Throws FlowUnavailableError when there is none. */
  current(): Promise<CompiledFlow>;
  version(version: number): Promise<CompiledFlow>;
  /** The current-version pointer may have moved. */
  invalidate(): void;
}

export function createFlowCatalog(options: { store: Store; classifier?: IntentClassifier }): FlowCatalog {
  const { store, classifier } = options;
  const compiled = new LRUCache<number, Promise<CompiledFlow>>({ max: CATALOG_LIMITS.cachedVersions });
  let currentVersion: Promise<number> | undefined;

  async function load(version: number): Promise<CompiledFlow> {
    const record = await store.getFlowVersion(version);
    if (!record) throw new FlowUnavailableError(`flow version ${version} does not exist`);
    const result = validateFlow(parseStoredJson(record.raw));
    if (!result.valid) throw new FlowUnavailableError(`stored flow version ${version} does not validate`);
    const flow = compileFlow(result.flow, version);
    const intentBlocks = result.flow.blocks.flatMap((block) =>
      block.type === 'intent' ? [{ blockId: block.id, intents: intentDefinitions(block) }] : [],
    );
    await classifier?.prepare?.(version, intentBlocks);
    return flow;
  }

  function version(number: number): Promise<CompiledFlow> {
    let entry = compiled.get(number);
    if (!entry) {
      entry = load(number);
      compiled.set(number, entry);
      // A failed load (e.g. the store was down) must not be cached.
      entry.catch(() => compiled.delete(number));
    }
    return entry;
  }

  async function readCurrent(): Promise<number> {
    const record = await store.getCurrentFlowVersion();
    if (!record) throw new FlowUnavailableError('no flow has been uploaded');
    return record.version;
  }

  return {
    async current() {
      if (!currentVersion) {
        currentVersion = readCurrent();
        currentVersion.catch(() => {
          currentVersion = undefined;
        });
      }
      return version(await currentVersion);
    },
    version,
    invalidate() {
      currentVersion = undefined;
    },
  };
}
