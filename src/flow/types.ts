import type { z } from 'zod';
import type {
  blockSchema,
  conditionBlockSchema,
  endBlockSchema,
  flowSchema,
  INTENT_PROVIDERS,
  intentBlockSchema,
  intentSchema,
  messageBlockSchema,
  setBlockSchema,
  waitBlockSchema,
} from './schema.ts';

export type { ConditionTest } from './schema.ts';
export type Flow = z.infer<typeof flowSchema>;
export type Block = z.infer<typeof blockSchema>;
export type BlockType = Block['type'];
export type MessageBlock = z.infer<typeof messageBlockSchema>;
export type WaitBlock = z.infer<typeof waitBlockSchema>;
export type IntentBlock = z.infer<typeof intentBlockSchema>;
export type Intent = z.infer<typeof intentSchema>;
export type ConditionBlock = z.infer<typeof conditionBlockSchema>;
export type SetBlock = z.infer<typeof setBlockSchema>;
export type EndBlock = z.infer<typeof endBlockSchema>;
export type IntentProviderName = (typeof INTENT_PROVIDERS)[number];

/** A problem found in a flow document, located by RFC 6901 JSON pointer. */
export interface FlowProblem {
  path: string;
  message: string;
}
