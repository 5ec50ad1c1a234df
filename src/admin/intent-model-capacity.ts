/**
 * Whether the offline intent models of a flow can all be in memory at once: the sum of their upper
 * bounds (src/intent/offline/memory.ts) must fit in INTENT_MODEL_CACHE_MB. Checked before a version
 * is stored, so that a flow the server could only run by retraining models in turns is refused.
 */
import { intentDefinitions } from '../engine/index.ts';
import type { Flow, FlowProblem } from '../flow/types.ts';
import { blockBytesBound } from '../intent/offline/memory.ts';

export interface CapacityProblem {
  message: string;
  /** One entry per intent block, largest first: where the memory goes. */
  details: FlowProblem[];
}

const MB = 1024 * 1024;
const megabytes = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

export function intentModelCapacity(maxBytes: number): (flow: Flow) => CapacityProblem | null {
  return (flow) => {
    const blocks = flow.blocks.flatMap((block, index) =>
      block.type === 'intent' ? [{ index, block, bytes: blockBytesBound(intentDefinitions(block)) }] : [],
    );
    const total = blocks.reduce((sum, { bytes }) => sum + bytes, 0);
    if (total <= maxBytes) return null;
    return {
      message: `the intent models of this flow need up to ${megabytes(total)} of memory, more than INTENT_MODEL_CACHE_MB allows (${megabytes(maxBytes)}): use fewer or smaller intent blocks, or raise INTENT_MODEL_CACHE_MB`,
      details: blocks
        .sort((a, b) => b.bytes - a.bytes)
        .map(({ index, block, bytes }) => ({
          path: `/blocks/${index}`,
          message: `intent block "${block.id}" (${block.intents.length} intents): model up to ${megabytes(bytes)}`,
        })),
    };
  };
}
