/**
 * The shapes of every response body of the API, as zod schemas: the handlers' types are inferred from
 * them and the OpenAPI document's component schemas are generated from them (openapi.ts), so the
 * document cannot drift from the code; the HTTP tests validate every response against the document.
 */
import { z } from 'zod';
import type { HistoryEventType } from '../engine/index.ts';
import { BLOCK_TYPES } from '../flow/schema.ts';
import { SCOPES } from './admin-auth.ts';
import { ERROR_CODES } from './errors.ts';

const version = z.int().min(1);
const timestamp = z.iso.datetime();
const problem = z.object({ path: z.string(), message: z.string() });

export const errorResponse = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.array(problem).optional(),
    requestId: z.string().optional(),
  }),
});

export const healthResponse = z.object({ status: z.literal('ok') });
export const readyResponse = z.object({
  status: z.enum(['ready', 'unavailable']),
  store: z.enum(['sqlite', 'postgres']),
});

export const uploadResponse = z.object({ version, createdAt: timestamp, warnings: z.array(problem) });
export const versionsResponse = z.object({
  current: version.nullable(),
  versions: z.array(z.object({ version, name: z.string(), createdAt: timestamp, current: z.boolean() })),
});
export const activateResponse = z.object({ version, current: z.literal(true) });
/** A conversation-test run (docs/admin-api.md, Conversation tests): only the failing conversations are listed. */
const testRun = z.object({
  passed: z.int().min(0),
  failed: z.int().min(0),
  failures: z.array(
    z.object({
      conversation: z.string().meta({ description: "The conversation's name" }),
      path: z.string().meta({ description: "The conversation's JSON pointer in the test file" }),
      firstDivergence: z.int().min(0).meta({ description: 'The index of the first step that diverged' }),
      mismatches: z
        .array(z.object({ path: z.string(), expected: z.string(), actual: z.string() }))
        .meta({ description: 'The first differences, in step order, each at its JSON pointer' }),
    }),
  ),
});
export const testsUploadResponse = z.object({
  flowVersion: version.meta({ description: 'The flow version the tests were stored for' }),
  conversations: z.int().min(1),
  run: testRun.meta({ description: 'The tests run against that version' }),
});
export const validateResponse = z.object({
  valid: z.boolean(),
  errors: z.array(problem),
  warnings: z.array(problem),
  tests: testRun
    .extend({ flowVersion: version.meta({ description: 'The version the tests were stored for' }) })
    .optional()
    .meta({
      description: 'The tests in effect for the current version, run against this flow (valid flows only)',
    }),
});

const conversationSummary = z.object({
  id: z.string(),
  flowVersion: version,
  status: z.enum(['active', 'ended']),
  startedAt: timestamp,
  updatedAt: timestamp,
  eventCount: z.int().min(0),
});
export const conversationsResponse = z.object({
  conversations: z.array(conversationSummary),
  nextCursor: z.string().nullable(),
});

/** History event `data`, docs/websocket-protocol.md, History. */
const blockId = z.string();
const latencyMs = z.number().min(0);
/** On the `intent.*` event of a fallback: the provider that was asked, and the code it failed with. */
const fallbackFrom = z.object({ provider: z.string(), code: z.string() });
const fallbackFields = { fallback: z.literal(true).optional(), fallbackFrom: fallbackFrom.optional() };
const eventData = {
  'conversation.started': z.object({ flowVersion: version }),
  'conversation.resumed': z.object({}),
  'conversation.ended': z.object({ reason: z.string() }),
  'message.user': z.object({ text: z.string(), clientMessageId: z.string().optional() }),
  'message.bot': z.object({
    messageId: z.string(),
    blockId,
    text: z.string(),
    options: z.array(z.string()).optional(),
  }),
  'block.entered': z.object({ blockId, blockType: z.enum(BLOCK_TYPES) }),
  'intent.detected': z.object({
    blockId,
    intent: z.string(),
    confidence: z.number().min(0).max(1),
    provider: z.string(),
    latencyMs,
    cached: z.boolean(),
    fallback: z.boolean(),
    fallbackFrom: fallbackFrom.optional(),
  }),
  'intent.no_match': z.object({
    blockId,
    count: z.int().min(1),
    provider: z.string(),
    confidence: z.number().min(0).max(1).optional(),
    latencyMs,
    ...fallbackFields,
  }),
  'intent.error': z.object({
    blockId,
    provider: z.string(),
    code: z.string(),
    message: z.string(),
    latencyMs,
    ...fallbackFields,
  }),
} satisfies Record<HistoryEventType, z.ZodType>;

function event<T extends HistoryEventType>(type: T) {
  return z.object({ seq: z.int().min(1), type: z.literal(type), at: timestamp, data: eventData[type] });
}

const historyEvent = z.discriminatedUnion('type', [
  event('conversation.started'),
  event('conversation.resumed'),
  event('conversation.ended'),
  event('message.user'),
  event('message.bot'),
  event('block.entered'),
  event('intent.detected'),
  event('intent.no_match'),
  event('intent.error'),
]);

export const conversationResponse = conversationSummary.extend({ events: z.array(historyEvent) });

const tokenName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
// Scopes as stored: a scope a later release dropped still shows (and grants nothing).
const tokenInfo = z.object({ name: tokenName, scopes: z.array(z.string()), createdAt: timestamp });
/** The secret is in this answer only: the server keeps its hash. */
export const tokenCreatedResponse = tokenInfo.extend({ token: z.string() });
export const tokensResponse = z.object({ scopes: z.array(z.enum(SCOPES)), tokens: z.array(tokenInfo) });
export const tokenRevokedResponse = z.object({ name: tokenName, revoked: z.literal(true) });
export const auditResponse = z.object({
  entries: z.array(
    z.object({
      id: z.int().min(1),
      at: timestamp,
      actor: z.string(),
      address: z.string(),
      action: z.string(),
      route: z.string(),
      target: z.string().nullable(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

/** Component name → schema, in the order the OpenAPI document lists them. */
export const userErasureResponse = z
  .object({ deletedConversations: z.int().min(0) })
  .meta({ description: "How many of the user's conversations were deleted, with their histories" });

export const RESPONSE_SCHEMAS = {
  Error: errorResponse,
  Health: healthResponse,
  Ready: readyResponse,
  UploadResult: uploadResponse,
  FlowVersions: versionsResponse,
  Activation: activateResponse,
  ValidationReport: validateResponse,
  TestsUploadResult: testsUploadResponse,
  ConversationPage: conversationsResponse,
  Conversation: conversationResponse,
  UserErasure: userErasureResponse,
  TokenCreated: tokenCreatedResponse,
  Tokens: tokensResponse,
  TokenRevoked: tokenRevokedResponse,
  AuditPage: auditResponse,
} as const;
