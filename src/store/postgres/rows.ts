/**
 * What goes into and comes out of the PostgreSQL columns: each row is checked against the shape the
 * schema promises (a mismatch means a broken database, so it throws), timestamps come back in the
 * toISOString() form they went in with, and parameters that PostgreSQL cannot represent are caught
 * before they reach it.
 */
import { z } from 'zod';
import type {
  AdminTokenRecord,
  AuditEntry,
  ConversationRecord,
  ConversationSummary,
  FlowTestsRecord,
  FlowVersionMeta,
  FlowVersionRecord,
  StoredEvent,
} from '../store.ts';

/** Values of `integer` columns (versions, seq): anything outside can never match a row. */
const INT4_MAX = 2_147_483_647;

export function isStorableInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0 && value <= INT4_MAX;
}

/** PostgreSQL TEXT cannot hold U+0000, so a key containing it can never have been stored. */
export function isStorableKey(value: string): boolean {
  return !value.includes('\u0000');
}

/**
 * Timestamps are stored as timestamptz and read back through Date#toISOString(), so only that exact
 * form round-trips unchanged; anything else is refused rather than silently rewritten.
 */
export function isIsoTimestamp(value: string): boolean {
  const time = Date.parse(value);
  return Number.isFinite(time) && new Date(time).toISOString() === value;
}

export function timestampParam(value: string): string {
  if (!isIsoTimestamp(value)) {
    throw new RangeError(`timestamp must be in Date#toISOString() form, got ${JSON.stringify(value)}`);
  }
  return value;
}

const iso = z.date().transform((date) => date.toISOString());
const positive = z.number().int().positive();
const count = z.number().int().nonnegative();

const flowVersionRow = z.object({ version: positive, name: z.string(), created_at: iso });
const flowVersionRecordRow = flowVersionRow.extend({ raw: z.string() });
const summaryRow = z.object({
  id: z.string(),
  flow_version: positive,
  status: z.enum(['active', 'ended']),
  started_at: iso,
  updated_at: iso,
  event_count: count,
});
const conversationRow = summaryRow.extend({
  state: z.json(),
  resume_token_hash: z.string(),
  epoch: positive,
  user_id: z.string().nullable(),
});
const eventRow = z.object({ seq: positive, type: z.string(), data: z.json(), at: iso });

export function toFlowVersionMeta(row: unknown): FlowVersionMeta {
  const { version, name, created_at } = flowVersionRow.parse(row);
  return { version, name, createdAt: created_at };
}

export function toFlowVersionRecord(row: unknown): FlowVersionRecord {
  const { version, name, raw, created_at } = flowVersionRecordRow.parse(row);
  return { version, name, createdAt: created_at, raw };
}

const flowTestsRow = z.object({ flow_version: positive, raw: z.string(), created_at: iso });

export function toFlowTests(row: unknown): FlowTestsRecord {
  const { flow_version, raw, created_at } = flowTestsRow.parse(row);
  return { flowVersion: flow_version, raw, createdAt: created_at };
}

function summaryOf(row: z.output<typeof summaryRow>): ConversationSummary {
  return {
    id: row.id,
    flowVersion: row.flow_version,
    status: row.status,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    eventCount: row.event_count,
  };
}

export function toConversationSummary(row: unknown): ConversationSummary {
  return summaryOf(summaryRow.parse(row));
}

export function toConversationRecord(row: unknown): ConversationRecord {
  const parsed = conversationRow.parse(row);
  return {
    ...summaryOf(parsed),
    state: parsed.state,
    resumeTokenHash: parsed.resume_token_hash,
    epoch: parsed.epoch,
    userId: parsed.user_id,
  };
}

export function toStoredEvent(row: unknown): StoredEvent {
  const { seq, type, data, at } = eventRow.parse(row);
  // The store keeps what the engine wrote; the (type, data) pairing was checked on the way in.
  return { seq, type, data, at } as StoredEvent;
}

const adminTokenRow = z.object({ name: z.string(), scopes: z.array(z.string()), created_at: iso });
/** bigint ids arrive as strings (node-postgres keeps int8 exact); ours stay far below 2^53. */
const bigintId = z
  .union([z.string().regex(/^[1-9][0-9]{0,15}$/), z.number()])
  .transform(Number)
  .pipe(positive);
const auditRow = z.object({
  id: bigintId,
  at: iso,
  actor: z.string(),
  address: z.string(),
  action: z.string(),
  route: z.string(),
  target: z.string().nullable(),
});

export function toAdminToken(row: unknown): AdminTokenRecord {
  const { name, scopes, created_at } = adminTokenRow.parse(row);
  return { name, scopes, createdAt: created_at };
}

export function toAuditEntry(row: unknown): AuditEntry {
  return auditRow.parse(row);
}
