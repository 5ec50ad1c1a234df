/**
 * The conversation-test format v1: the single source of truth. Its types are inferred from it and the
 * JSON Schema served at /schemas/flow-tests.json is generated from it (json-schema.ts). A file names the
 * flow it tests and holds conversations; a conversation is a list of steps, one per turn: what the user
 * says (or clicks) and what is expected after it. docs/conversation-tests.md explains every field.
 */
import { z } from 'zod';
import { BLOCK_ID_PATTERN } from '../flow/schema.ts';
import { TEST_FILE_LIMITS as L } from './limits.ts';

export const TESTS_SCHEMA_ID = 'https://chatflow.dev/schemas/flow-tests.json';

const blockId = z.string().regex(BLOCK_ID_PATTERN, 'must match ^[A-Za-z0-9_.:-]{1,64}$');
const text = z.string().min(1).max(L.maxTextChars);
const pattern = z.string().min(1).max(L.maxPatternChars).describe('an RE2 regular expression');
const options = z.array(z.string()).max(100).describe('the quick replies the message offers, exactly');

/** One expected bot message: its exact text, or a pattern its text must match. */
export const botExpectationSchema = z.union([
  z.string().max(L.maxTextChars).describe('the exact text'),
  z.strictObject({ text: z.string().max(L.maxTextChars), options: options.optional() }),
  z.strictObject({ matches: pattern, options: options.optional() }),
]);

/** An intent id, or null for a no-match. */
const intentAnswer = blockId.nullable().describe('an intent id, or null for a no-match');

export const stepSchema = z
  .strictObject({
    user: text.optional().describe('what the user types'),
    click: text.optional().describe('the quick reply the user clicks: one offered by the last bot message'),
    bot: z
      .array(botExpectationSchema)
      .max(L.maxBotMessagesPerStep)
      .optional()
      .describe("the bot's messages of this turn, all of them, in order"),
    intent: z
      .union([intentAnswer, z.array(intentAnswer).min(1).max(20)])
      .optional()
      .describe('the intent detected at this turn (a list when the turn passes several intent blocks)'),
    pinned: z
      .boolean()
      .optional()
      .describe('answer the classification with `intent` instead of asking the classifier'),
    vars: z
      .record(z.string().max(64), z.string().max(16_000))
      .refine((vars) => Object.keys(vars).length <= L.maxVariablesPerStep, {
        message: `at most ${L.maxVariablesPerStep} variables`,
      })
      .optional()
      .describe('variables expected after the turn (others are not checked)'),
    at: blockId.optional().describe('the block the conversation waits at after the turn'),
    ended: z.boolean().optional().describe('whether the conversation has ended after the turn'),
  })
  .describe(
    'one turn: the user message (absent only in a first step, the bot speaking first) and what is expected after it',
  );

export const conversationSchema = z.strictObject({
  name: z.string().min(1).max(L.maxNameChars),
  steps: z.array(stepSchema).min(1).max(L.maxStepsPerConversation),
});

export const testFileSchema = z.strictObject({
  $schema: z.string().max(L.maxPathChars).optional(),
  formatVersion: z.literal(1),
  flow: z
    .union([
      z.string().min(1).max(L.maxPathChars).describe('the flow file, relative to this file'),
      z.strictObject({ current: z.literal(true) }).describe('the current flow of the server it runs against'),
    ])
    .optional(),
  conversations: z.array(conversationSchema).min(1).max(L.maxConversations),
});

export type TestFile = z.infer<typeof testFileSchema>;
export type TestConversation = z.infer<typeof conversationSchema>;
export type TestStep = z.infer<typeof stepSchema>;
export type BotExpectation = z.infer<typeof botExpectationSchema>;
/** An intent id, or null for a no-match. */
export type IntentAnswer = string | null;
