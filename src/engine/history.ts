/** History events (docs/websocket-protocol.md, History): what the engine emits and the store keeps, in order. */
import type { BlockType } from '../flow/types.ts';
import type { IntentErrorCode } from './classification.ts';

/** Recorded on the `intent.*` event of a fallback: the provider that was asked, and why it failed. */
export interface FallbackFrom {
  provider: string;
  code: IntentErrorCode;
}

/** Present (fallback: true) only when another provider answered; `intent.detected` always says which. */
export interface FallbackFields {
  fallback?: true;
  fallbackFrom?: FallbackFrom;
}

export type EndReason = 'end_block' | 'step_limit' | 'missing_block';

export type HistoryEvent =
  | { type: 'conversation.started'; data: { flowVersion: number } }
  | { type: 'conversation.resumed'; data: Record<string, never> }
  | { type: 'conversation.ended'; data: { reason: EndReason } }
  | { type: 'message.user'; data: { text: string; clientMessageId?: string } }
  | { type: 'message.bot'; data: { messageId: string; blockId: string; text: string; options?: string[] } }
  | { type: 'block.entered'; data: { blockId: string; blockType: BlockType } }
  | {
      type: 'intent.detected';
      data: {
        blockId: string;
        intent: string;
        confidence: number;
        provider: string;
        latencyMs: number;
        cached: boolean;
        fallback: boolean;
        fallbackFrom?: FallbackFrom;
      };
    }
  | {
      type: 'intent.no_match';
      data: {
        blockId: string;
        count: number;
        provider: string;
        confidence?: number;
        latencyMs: number;
      } & FallbackFields;
    }
  | {
      type: 'intent.error';
      data: {
        blockId: string;
        provider: string;
        code: IntentErrorCode;
        message: string;
        latencyMs: number;
      } & FallbackFields;
    };

export type HistoryEventType = HistoryEvent['type'];
