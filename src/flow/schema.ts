/**
 * The flow format v1: the single source of truth. The TypeScript types (types.ts) are inferred from
 * it and the JSON Schema served at /schemas/flow.json is generated from it (json-schema.ts).
 */
import { z } from 'zod';
import { FLOW_LIMITS as L } from './limits.ts';
import { FORBIDDEN_NAME_MESSAGE, NOT_FORBIDDEN_PATTERN, VARIABLE_NAME_PATTERN } from './variables.ts';

export const BLOCK_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
export const INTENT_PROVIDERS = ['auto', 'openai', 'local'] as const;

const id = z.string().regex(BLOCK_ID_PATTERN, 'must match ^[A-Za-z0-9_.:-]{1,64}$');
const target = id.describe('the id of the block to go to');
const variableName = z
  .string()
  .max(64)
  .regex(VARIABLE_NAME_PATTERN, 'must match ^[A-Za-z_][A-Za-z0-9_]*$')
  .regex(NOT_FORBIDDEN_PATTERN, FORBIDDEN_NAME_MESSAGE);
const template = z.string().max(L.maxTextChars).describe('text; {{name}} inserts a variable');
const meta = z.record(z.string(), z.unknown()).optional().describe('free-form data, ignored by the engine');
const confidence = z.number().min(0).max(1);
const provider = z.enum(INTENT_PROVIDERS);

export const messageBlockSchema = z.strictObject({
  id,
  type: z.literal('message'),
  text: template,
  options: z.array(z.string().min(1).max(L.maxOptionChars)).max(L.maxOptions).optional(),
  next: target,
  meta,
});

export const waitBlockSchema = z.strictObject({
  id,
  type: z.literal('wait'),
  saveAs: variableName.optional(),
  next: target,
  meta,
});

export const intentSchema = z.strictObject({
  id,
  description: z.string().min(1).max(L.maxTextChars),
  examples: z.array(z.string().min(1).max(L.maxTextChars)).max(L.maxExamplesPerIntent).optional(),
  next: target,
});

export const intentBlockSchema = z.strictObject({
  id,
  type: z.literal('intent'),
  input: template.optional(),
  intents: z.array(intentSchema).min(1).max(L.maxIntentsPerBlock),
  noMatch: target,
  maxNoMatch: z.int().min(1).max(1000).optional(),
  onMaxNoMatch: target.optional(),
  onError: target.optional(),
  minConfidence: confidence.optional(),
  provider: provider.optional(),
  meta,
});

const comparable = { var: variableName, ignoreCase: z.boolean().optional() };

/** A condition test: one declarative comparison, or a combination. Never code. */
export type ConditionTest =
  | { var: string; equals: string; ignoreCase?: boolean }
  | { var: string; contains: string; ignoreCase?: boolean }
  | { var: string; matches: string; ignoreCase?: boolean }
  | { var: string; exists: boolean }
  | { all: ConditionTest[] }
  | { any: ConditionTest[] }
  | { not: ConditionTest };

export const conditionTestSchema: z.ZodType<ConditionTest> = z.lazy(() =>
  z.union([
    z.strictObject({ ...comparable, equals: z.string().max(L.maxTextChars) }),
    z.strictObject({ ...comparable, contains: z.string().max(L.maxTextChars) }),
    z.strictObject({ ...comparable, matches: z.string().max(L.maxPatternChars) }),
    z.strictObject({ var: variableName, exists: z.boolean() }),
    z.strictObject({ all: z.array(conditionTestSchema).min(1).max(L.maxCasesPerCondition) }),
    z.strictObject({ any: z.array(conditionTestSchema).min(1).max(L.maxCasesPerCondition) }),
    z.strictObject({ not: conditionTestSchema }),
  ]),
);

export const conditionBlockSchema = z.strictObject({
  id,
  type: z.literal('condition'),
  cases: z
    .array(z.strictObject({ if: conditionTestSchema, next: target }))
    .min(1)
    .max(L.maxCasesPerCondition),
  else: target,
  meta,
});

export const setBlockSchema = z.strictObject({
  id,
  type: z.literal('set'),
  values: z.record(variableName, template),
  next: target,
  meta,
});

export const endBlockSchema = z.strictObject({
  id,
  type: z.literal('end'),
  text: template.optional(),
  meta,
});

export const blockSchema = z.discriminatedUnion('type', [
  messageBlockSchema,
  waitBlockSchema,
  intentBlockSchema,
  conditionBlockSchema,
  setBlockSchema,
  endBlockSchema,
]);

export const BLOCK_TYPES = ['message', 'wait', 'intent', 'condition', 'set', 'end'] as const;

export const flowSchema = z.strictObject({
  formatVersion: z.literal(1),
  name: z.string().min(1).max(L.maxNameChars),
  start: target,
  settings: z
    .strictObject({
      intent: z
        .strictObject({ minConfidence: confidence.optional(), provider: provider.optional() })
        .optional(),
    })
    .optional(),
  blocks: z.array(blockSchema).min(1).max(L.maxBlocks),
  meta,
});
