/** The branch an intent block took, read from its history event (the same for the engine and a server's history). */
import type { HistoryEvent } from '../engine/index.ts';
import type { Flow, IntentBlock } from '../flow/types.ts';
import type { IntentBranch, ObservedClassification } from './observed.ts';

type IntentEvent = Extract<HistoryEvent, { type: 'intent.detected' | 'intent.no_match' | 'intent.error' }>;

export const isIntentEvent = (event: { type: string }): event is IntentEvent =>
  event.type.startsWith('intent.');

function branchOf(event: IntentEvent, block: IntentBlock | undefined): IntentBranch {
  switch (event.type) {
    case 'intent.detected':
      return { intent: event.data.intent };
    case 'intent.no_match': {
      const exhausted = block?.maxNoMatch !== undefined && event.data.count >= block.maxNoMatch;
      return { exit: exhausted && block?.onMaxNoMatch ? 'onMaxNoMatch' : 'noMatch' };
    }
    case 'intent.error':
      return { exit: block?.onError ? 'onError' : 'noMatch' };
  }
}

export function classificationOf(event: IntentEvent, flow: Flow): ObservedClassification {
  const found = flow.blocks.find((b) => b.id === event.data.blockId);
  const block = found?.type === 'intent' ? found : undefined;
  const common = {
    blockId: event.data.blockId,
    provider: event.data.provider,
    branch: branchOf(event, block),
  };
  switch (event.type) {
    case 'intent.detected':
      return { ...common, answer: event.data.intent, confidence: event.data.confidence };
    case 'intent.no_match':
      return {
        ...common,
        answer: null,
        ...(event.data.confidence === undefined ? {} : { confidence: event.data.confidence }),
      };
    case 'intent.error':
      return { ...common, answer: null, error: event.data.code };
  }
}
