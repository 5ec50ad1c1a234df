/**
 * Conversation state: plain serialisable data, stored after every turn, so a conversation can be
 * resumed on any instance after a disconnect or a restart. It carries a `stateVersion`: a state stored
 * by an older version of the code is migrated when it is loaded (`loadState`), so changing its shape
 * never strands the conversations already in the database.
 */
import { z } from 'zod';
import type { ContextMessage } from './classification.ts';

export type Phase =
  /** Created, the `start` event not yet applied. */
  | 'new'
  /** Waiting at a `wait` block for the user's next message. */
  | 'waiting'
  /** Paused at an `intent` block until its classification comes back. */
  | 'classifying'
  | 'ended';

/** Bump it with every change of shape, and add the migration from the previous version to MIGRATIONS. */
export const STATE_VERSION = 2;

export interface ConversationState {
  stateVersion: typeof STATE_VERSION;
  flowVersion: number;
  phase: Phase;
  /** The `wait` or `intent` block the conversation is paused at (null when new or ended). */
  blockId: string | null;
  variables: Record<string, string>;
  /** Consecutive no-matches per intent block id. */
  noMatchCounts: Record<string, number>;
  /** Bot messages sent so far; message ids derive from it. */
  messageCount: number;
  /** Quick replies of the last bot message, offered to the classifier as certain labels. */
  offeredOptions: string[];
  /** The last few bot and user messages (ENGINE_LIMITS' context window), oldest first. */
  recentMessages: ContextMessage[];
}

const stateSchema = z.object({
  stateVersion: z.literal(STATE_VERSION),
  flowVersion: z.number().int().positive(),
  phase: z.enum(['new', 'waiting', 'classifying', 'ended']),
  blockId: z.string().nullable(),
  variables: z.record(z.string(), z.string()),
  noMatchCounts: z.record(z.string(), z.number().int().nonnegative()),
  messageCount: z.number().int().nonnegative(),
  offeredOptions: z.array(z.string()),
  recentMessages: z.array(z.object({ from: z.enum(['bot', 'user']), text: z.string() })),
}) satisfies z.ZodType<ConversationState>;

type Stored = Record<string, unknown>;

/** From version n to n + 1, keyed by n. Version 0: the states stored before `stateVersion` existed. */
const MIGRATIONS: Record<number, (state: Stored) => Stored> = {
  0: (state) => ({ ...state, stateVersion: 1 }),
  // Version 2 remembers the last messages for the classifier; older states start with none.
  1: (state) => ({ ...state, stateVersion: 2, recentMessages: [] }),
};

const versionOf = (state: Stored): number =>
  state.stateVersion === undefined ? 0 : typeof state.stateVersion === 'number' ? state.stateVersion : -1;

/**
 * A stored state, migrated to STATE_VERSION and checked against the schema; an error names what is
 * wrong (a state of a newer version than this code, or a shape no migration produces).
 */
export function loadState(
  stored: unknown,
): { ok: true; state: ConversationState } | { ok: false; error: string } {
  if (typeof stored !== 'object' || stored === null)
    return { ok: false, error: 'the state is not an object' };
  let state = stored as Stored;
  for (let version = versionOf(state); version !== STATE_VERSION; version = versionOf(state)) {
    const migrate = MIGRATIONS[version];
    if (!migrate)
      return { ok: false, error: `no migration from state version ${String(state.stateVersion)}` };
    state = migrate(state);
  }
  const parsed = stateSchema.safeParse(state);
  if (!parsed.success) return { ok: false, error: `invalid state: ${parsed.error.message}` };
  // The maps by name are copied from the stored ones: a schema parse would write a "__proto__" key
  // through the prototype setter and lose it.
  const valid = state as unknown as ConversationState;
  return {
    ok: true,
    state: { ...parsed.data, variables: byName(valid.variables), noMatchCounts: byName(valid.noMatchCounts) },
  };
}

/**
 * A copy of a record keyed by names that come from the flow (variable names, block ids), without a
 * prototype: `constructor`, `toString` or `__proto__` are then ordinary keys, read and written as
 * data. On a plain object, reading `counts.constructor` finds Object, and writing `vars.__proto__`
 * replaces the prototype instead of storing the value.
 */
export const byName = <T>(record: Readonly<Record<string, T>>): Record<string, T> =>
  Object.assign(Object.create(null) as Record<string, T>, record);

export function initialState(flowVersion: number): ConversationState {
  return {
    stateVersion: STATE_VERSION,
    flowVersion,
    phase: 'new',
    blockId: null,
    variables: byName({}),
    noMatchCounts: byName({}),
    messageCount: 0,
    offeredOptions: [],
    recentMessages: [],
  };
}
