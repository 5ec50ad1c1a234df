/**
 * The LLM budget: ceilings on the classifications the router sends to OpenAI, so that the users of a
 * public bot cannot run up the operator's bill. Four ceilings, each 0 = unlimited:
 *
 * - per conversation, over its life in this process (a runaway or scripted conversation);
 * - per client address, per clock hour in UTC (many conversations from one machine; IPv6 addresses
 *   count per /64, the block one subscriber usually gets);
 * - per clock minute across the process (a burst from many addresses);
 * - per UTC day across the process (the bill's hard stop).
 *
 * The router asks `refusal(caller)` before an LLM call and, when none, `record(caller)` as it makes the
 * call (no await in between, so concurrent messages cannot both take the last unit). Over a ceiling the
 * router answers with the offline classifier instead. Pure: the clock is injected; per-conversation and
 * per-address counts live in bounded LRU maps (an evicted count starts again at 0: the process-wide
 * ceilings still hold).
 */
import { LRUCache } from 'lru-cache';

export type BudgetCeiling = 'conversation' | 'address' | 'minute' | 'day';

export const BUDGET_CEILINGS: readonly BudgetCeiling[] = ['conversation', 'address', 'minute', 'day'];

export interface BudgetLimits {
  /** LLM_BUDGET_PER_CONVERSATION: LLM classifications one conversation may cause. */
  perConversation: number;
  /** LLM_BUDGET_PER_ADDRESS_PER_HOUR: per client address (IPv6: per /64) and clock hour. */
  perAddressPerHour: number;
  /** LLM_BUDGET_PER_MINUTE: across the process, per clock minute. */
  perMinute: number;
  /** LLM_BUDGET_PER_DAY: across the process, per UTC day. */
  perDay: number;
}

/**
 * A classification is ~1k prompt tokens: with the default model, about $0.0005. 20,000 a day is then
 * about $10 a day at most; 600 a minute lets a busy bot serve 10 classified messages a second and reaches
 * the day's ceiling in no less than half an hour. 100 per conversation is far more than a person types
 * into a bot; 300 per address and hour leaves room for an office or a mobile carrier's shared address.
 */
export const BUDGET_DEFAULTS: BudgetLimits = {
  perConversation: 100,
  perAddressPerHour: 300,
  perMinute: 600,
  perDay: 20_000,
};

/** Counts kept per conversation and per address (each entry is a few dozen bytes). */
export const BUDGET_TRACKED_KEYS = 50_000;

/** Who is asking: set by the conversation runtime; absent (a tool, a test): only the process ceilings apply. */
export interface BudgetCaller {
  conversationId: string;
  clientAddress?: string;
}

export interface BudgetRefusal {
  ceiling: BudgetCeiling;
  limit: number;
  /** When the ceiling lets calls through again (ms since the epoch); undefined: not in this conversation. */
  resetsAt: number | undefined;
  /** For the fallback's `message` and the log: which ceiling, never the address. */
  message: string;
}

export interface BudgetOptions {
  /** Milliseconds clock, injectable for tests. */
  now?: () => number;
  maxTrackedKeys?: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** A count within one clock window (epoch-aligned, so UTC minutes, hours and days). */
interface Window {
  start: number;
  count: number;
}

function windowStart(now: number, size: number): number {
  return now - (now % size);
}

/** The count of `window` now: 0 once the clock has moved to a later window. */
function countIn(window: Window | undefined, now: number, size: number): number {
  return window && window.start === windowStart(now, size) ? window.count : 0;
}

function bump(window: Window | undefined, now: number, size: number): Window {
  const start = windowStart(now, size);
  return window && window.start === start ? { start, count: window.count + 1 } : { start, count: 1 };
}

/** Expands an IPv6 address into its 8 groups (null when it is not one). */
function ipv6Groups(address: string): string[] | null {
  const bare = address.split('%')[0] ?? '';
  const halves = bare.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) takes two groups.
  const last = tail.length > 0 ? tail : head;
  if (last.at(-1)?.includes('.')) last.splice(-1, 1, '0', '0');
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  return groups.every((group) => /^[0-9a-f]{1,4}$/i.test(group)) ? groups : null;
}

/**
 * The key an address is counted under: an IPv4 address as is, an IPv6 address by its /64 (one
 * subscriber usually holds a whole /64, and could otherwise take a fresh address per request).
 */
export function addressKey(address: string): string {
  if (!address.includes(':')) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}

export class LlmBudget {
  readonly #limits: BudgetLimits;
  readonly #now: () => number;
  readonly #conversations: LRUCache<string, { count: number }>;
  readonly #addresses: LRUCache<string, Window>;
  #minute: Window | undefined;
  #day: Window | undefined;
  readonly #refused: Record<BudgetCeiling, number> = { conversation: 0, address: 0, minute: 0, day: 0 };

  constructor(limits: BudgetLimits, options: BudgetOptions = {}) {
    this.#limits = { ...limits };
    this.#now = options.now ?? Date.now;
    const max = Math.max(1, options.maxTrackedKeys ?? BUDGET_TRACKED_KEYS);
    this.#conversations = new LRUCache({ max });
    this.#addresses = new LRUCache({ max });
  }

  get limits(): Readonly<BudgetLimits> {
    return this.#limits;
  }

  /**
   * The first ceiling a call for `caller` would pass now, or null when it may go through. A refusal is
   * counted (see `refusals`); nothing is consumed either way.
   */
  refusal(caller?: BudgetCaller): BudgetRefusal | null {
    const refusal = this.#check(caller, this.#now());
    if (refusal) this.#refused[refusal.ceiling] += 1;
    return refusal;
  }

  /** One LLM call made for `caller`: counts against every ceiling. */
  record(caller?: BudgetCaller): void {
    const now = this.#now();
    this.#minute = bump(this.#minute, now, MINUTE_MS);
    this.#day = bump(this.#day, now, DAY_MS);
    if (!caller) return;
    if (this.#limits.perConversation > 0) {
      const entry = this.#conversations.get(caller.conversationId);
      this.#conversations.set(caller.conversationId, { count: (entry?.count ?? 0) + 1 });
    }
    if (this.#limits.perAddressPerHour > 0 && caller.clientAddress !== undefined) {
      const key = addressKey(caller.clientAddress);
      this.#addresses.set(key, bump(this.#addresses.get(key), now, HOUR_MS));
    }
  }

  /** Calls refused so far, by ceiling (monotonic: the metrics mirror them). */
  refusals(): Readonly<Record<BudgetCeiling, number>> {
    return { ...this.#refused };
  }

  /** LLM calls counted in the current minute and UTC day. */
  used(): { minute: number; day: number } {
    const now = this.#now();
    return { minute: countIn(this.#minute, now, MINUTE_MS), day: countIn(this.#day, now, DAY_MS) };
  }

  #check(caller: BudgetCaller | undefined, now: number): BudgetRefusal | null {
    const { perConversation, perAddressPerHour, perMinute, perDay } = this.#limits;
    if (caller && perConversation > 0) {
      const used = this.#conversations.get(caller.conversationId)?.count ?? 0;
      if (used >= perConversation) {
        return refused('conversation', perConversation, undefined, `${perConversation} per conversation`);
      }
    }
    if (caller?.clientAddress !== undefined && perAddressPerHour > 0) {
      const window = this.#addresses.get(addressKey(caller.clientAddress));
      if (countIn(window, now, HOUR_MS) >= perAddressPerHour) {
        const resetsAt = windowStart(now, HOUR_MS) + HOUR_MS;
        return refused(
          'address',
          perAddressPerHour,
          resetsAt,
          `${perAddressPerHour} per client address and hour`,
        );
      }
    }
    if (perMinute > 0 && countIn(this.#minute, now, MINUTE_MS) >= perMinute) {
      const resetsAt = windowStart(now, MINUTE_MS) + MINUTE_MS;
      return refused('minute', perMinute, resetsAt, `${perMinute} per minute`);
    }
    if (perDay > 0 && countIn(this.#day, now, DAY_MS) >= perDay) {
      const resetsAt = windowStart(now, DAY_MS) + DAY_MS;
      return refused('day', perDay, resetsAt, `${perDay} per UTC day`);
    }
    return null;
  }
}

function refused(
  ceiling: BudgetCeiling,
  limit: number,
  resetsAt: number | undefined,
  what: string,
): BudgetRefusal {
  const until = resetsAt === undefined ? '' : ` until ${new Date(resetsAt).toISOString()}`;
  return {
    ceiling,
    limit,
    resetsAt,
    message: `the LLM budget is spent (${what}): the offline classifier answers${until}`,
  };
}

/**
 * A warning that is logged at most once per `intervalMs` per key: `note(key)` returns how many were
 * held back since the last line (so the line can say so), or null while it must stay quiet.
 */
export class LogThrottle {
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #last = new Map<string, { at: number; held: number }>();

  constructor(intervalMs: number, now: () => number = Date.now) {
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  note(key: string): { suppressed: number } | null {
    const now = this.#now();
    const last = this.#last.get(key);
    if (last && now - last.at < this.#intervalMs) {
      last.held += 1;
      return null;
    }
    this.#last.set(key, { at: now, held: 0 });
    return { suppressed: last?.held ?? 0 };
  }
}
