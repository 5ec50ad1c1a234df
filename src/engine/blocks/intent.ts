/**
 * The `intent` block: entering it asks the runtime for a classification (an effect); the result comes
 * back as a `classified` event, handled by `resolveIntent`.
 *
 * Semantics (docs/flow-format.md, Intent semantics): a match at or above the threshold goes to the intent's `next` and
 * resets the block's no-match count; a no-match (or a match under the threshold) counts, and the
 * `maxNoMatch`-th consecutive one goes to `onMaxNoMatch` (the count then starts again); a provider
 * error goes to `onError`, else `noMatch`, and leaves the count alone. When another provider answered
 * (a fallback), every `intent.*` event says so, and which provider failed with which code.
 */
import { ENGINE_LIMITS } from '../../flow/limits.ts';
import type { Flow, IntentBlock } from '../../flow/types.ts';
import type { Classification, ContextMessage, IntentDefinition } from '../classification.ts';
import type { FallbackFields, FallbackFrom } from '../history.ts';
import { goto, newest, record, render, setVariable } from '../turn.ts';
import type { Executor, Outcome, Turn } from '../types.ts';

const DEFAULT_INPUT = '{{lastMessage}}';

/** What a classifier needs to know of a block's intents. */
export const intentDefinitions = (block: IntentBlock): IntentDefinition[] =>
  block.intents.map((intent) => ({
    id: intent.id,
    description: intent.description,
    examples: intent.examples ?? [],
  }));

/** Also used on resume, when a classification was lost with the process that asked for it. */
export const enterIntent: Executor<IntentBlock> = (block, turn) => {
  turn.state.phase = 'classifying';
  turn.state.blockId = block.id;
  const text = render(turn, block.input ?? DEFAULT_INPUT);
  turn.effects.push({
    type: 'classify',
    request: {
      flowVersion: turn.state.flowVersion,
      blockId: block.id,
      text,
      intents: intentDefinitions(block),
      context: contextBefore(turn.state.recentMessages),
      quickReplies: turn.state.offeredOptions,
      ...providerOf(block, turn.flow.flow),
    },
  });
  return { kind: 'stop' };
};

/**
 * The conversation before the text: the recent messages, without the user's newest one when nothing
 * came after it. That is the message being classified (the block's input is made from it, directly or
 * through a variable), whether the block is entered right after it or again on a resume.
 */
function contextBefore(recent: readonly ContextMessage[]): ContextMessage[] {
  const before = recent.at(-1)?.from === 'user' ? recent.slice(0, -1) : recent;
  return newest(before, { bot: ENGINE_LIMITS.contextBotMessages, user: ENGINE_LIMITS.contextUserMessages });
}

function providerOf(block: IntentBlock, flow: Flow): { provider?: IntentBlock['provider'] } {
  const provider = block.provider ?? flow.settings?.intent?.provider;
  return provider ? { provider } : {};
}

function threshold(block: IntentBlock, flow: Flow, providerDefault: number): number {
  return block.minConfidence ?? flow.settings?.intent?.minConfidence ?? providerDefault;
}

type Routed = Pick<Classification, 'fallback' | 'fallbackFrom'>;

/** Only the provider and the code: the message is for logs, the history keeps what is stable. */
function fallbackFrom(result: Routed): { fallbackFrom?: FallbackFrom } {
  const from = result.fallbackFrom;
  return from ? { fallbackFrom: { provider: from.provider, code: from.code } } : {};
}

/** No-match and error events carry the fallback fields only when there was a fallback. */
function fallbackFields(result: Routed): FallbackFields {
  return result.fallback ? { fallback: true, ...fallbackFrom(result) } : {};
}

function noMatch(block: IntentBlock, turn: Turn, result: Classification & { confidence?: number }): Outcome {
  const count = (turn.state.noMatchCounts[block.id] ?? 0) + 1;
  const exhausted = block.maxNoMatch !== undefined && count >= block.maxNoMatch;
  turn.state.noMatchCounts[block.id] = exhausted ? 0 : count;
  record(turn, {
    type: 'intent.no_match',
    data: {
      blockId: block.id,
      count,
      provider: result.provider,
      ...(result.confidence !== undefined ? { confidence: result.confidence } : {}),
      latencyMs: result.latencyMs,
      ...fallbackFields(result),
    },
  });
  return goto(exhausted && block.onMaxNoMatch ? block.onMaxNoMatch : block.noMatch);
}

function providerError(
  block: IntentBlock,
  turn: Turn,
  result: Pick<Classification & { kind: 'error' }, 'provider' | 'code' | 'message' | 'latencyMs'> & Routed,
): Outcome {
  record(turn, {
    type: 'intent.error',
    data: {
      blockId: block.id,
      provider: result.provider,
      code: result.code,
      message: result.message,
      latencyMs: result.latencyMs,
      ...fallbackFields(result),
    },
  });
  return goto(block.onError ?? block.noMatch);
}

export function resolveIntent(block: IntentBlock, turn: Turn, result: Classification): Outcome {
  switch (result.kind) {
    case 'error':
      return providerError(block, turn, result);
    case 'no_match':
      return noMatch(block, turn, result);
    case 'match': {
      const intent = block.intents.find((candidate) => candidate.id === result.intent);
      // Classifiers validate their answers; this is the engine's own guard against a jump elsewhere.
      if (!intent || !(result.confidence >= 0 && result.confidence <= 1)) {
        const message = intent
          ? 'confidence outside [0, 1]'
          : `"${result.intent}" is not an intent of this block`;
        return providerError(block, turn, { ...result, code: 'PROVIDER_MALFORMED', message });
      }
      if (result.confidence < threshold(block, turn.flow.flow, result.defaultMinConfidence)) {
        return noMatch(block, turn, result);
      }
      turn.state.noMatchCounts[block.id] = 0;
      setVariable(turn, 'intent', intent.id);
      record(turn, {
        type: 'intent.detected',
        data: {
          blockId: block.id,
          intent: intent.id,
          confidence: result.confidence,
          provider: result.provider,
          latencyMs: result.latencyMs,
          cached: result.cached,
          fallback: result.fallback,
          ...fallbackFrom(result),
        },
      });
      return goto(intent.next);
    }
  }
}
