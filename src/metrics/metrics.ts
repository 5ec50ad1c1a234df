/**
 * The Prometheus metrics of one server (GET /metrics), on a registry of its own so several servers can
 * run in one process (the tests do). The runtime reports through `observer` (plain callbacks); the
 * intent router's counters and the open connections are read at scrape time from `sources`.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ConversationObserver } from '../conversation/observer.ts';
import { BUDGET_CEILINGS } from '../intent/budget.ts';
import type { IntentRouterStats } from '../intent/router.ts';

/** Latency buckets (seconds): from a sub-millisecond write to an LLM call near INTENT_TIMEOUT_MS. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** Resolution of prom-client's event-loop delay monitor (ms). */
const EVENT_LOOP_RESOLUTION_MS = 10;

export interface MetricsSources {
  /** Open WebSocket connections. */
  connections?: () => number;
  /** Conversations held in memory. */
  liveConversations?: () => number;
  /** The intent router's counters (LLM calls, errors, retries, fallbacks, cache hits…). */
  intentStats?: () => IntentRouterStats;
}

export interface Metrics {
  readonly contentType: string;
  /** The hooks the conversation runtime calls. */
  readonly observer: ConversationObserver;
  /** Sources read at scrape time; set once the parts they read exist. */
  setSources(sources: MetricsSources): void;
  /** The text exposition format. */
  render(): Promise<string>;
}

/** Counters of the intent router exported as Prometheus counters (read on scrape). */
const INTENT_COUNTERS = {
  chatflow_intent_classifications_total: ['calls', 'classifications asked of the intent router'],
  chatflow_llm_calls_total: ['openaiCalls', 'classifications sent to the LLM (cache hits excluded)'],
  chatflow_llm_errors_total: ['errors', 'LLM calls that ended in an error'],
  chatflow_llm_retries_total: ['retries', 'HTTP retries inside LLM calls'],
  chatflow_llm_fallbacks_total: ['fallbacks', 'classifications answered by the offline classifier instead'],
  chatflow_llm_cache_hits_total: ['cacheHits', 'classifications answered from the LLM answer cache'],
  chatflow_llm_certain_match_skips_total: ['certainMatchSkips', 'LLM calls saved by a certain local match'],
  chatflow_llm_breaker_opened_total: ['breakerOpened', 'times the LLM circuit breaker opened'],
} as const satisfies Record<string, readonly [keyof IntentRouterStats, string]>;

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS });
  let sources: MetricsSources = {};
  const buckets = [...LATENCY_BUCKETS];

  const turns = new Counter({
    name: 'chatflow_turns_total',
    help: 'Conversation inputs processed (start, user_message, resume)',
    labelNames: ['kind'],
    registers: [registry],
  });
  const turnSeconds = new Histogram({
    name: 'chatflow_turn_duration_seconds',
    help: 'Time to process one input: engine, classification, history write and frames',
    labelNames: ['kind'],
    buckets,
    registers: [registry],
  });
  const intentSeconds = new Histogram({
    name: 'chatflow_intent_duration_seconds',
    help: 'Time of one classification, by the provider that answered and the outcome',
    labelNames: ['provider', 'outcome'],
    buckets,
    registers: [registry],
  });
  const storeWriteSeconds = new Histogram({
    name: 'chatflow_store_write_duration_seconds',
    help: 'Time of one history write (one transaction, or one slot of a group commit)',
    labelNames: ['operation'],
    buckets,
    registers: [registry],
  });
  new Gauge({
    name: 'chatflow_websocket_connections',
    help: 'Open WebSocket connections',
    registers: [registry],
    collect() {
      this.set(sources.connections?.() ?? 0);
    },
  });
  new Gauge({
    name: 'chatflow_live_conversations',
    help: 'Conversations held in memory (attached to a socket or finishing a turn)',
    registers: [registry],
    collect() {
      this.set(sources.liveConversations?.() ?? 0);
    },
  });
  for (const [name, [field, help]] of Object.entries(INTENT_COUNTERS)) {
    // A counter mirrored from the router's own monotonic counts: add the difference on each scrape.
    let mirrored = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const target = Number(sources.intentStats?.()[field] ?? 0);
        if (target > mirrored) this.inc(target - mirrored);
        mirrored = Math.max(mirrored, target);
      },
    });
  }
  // Mirrored like the counters above, one series per ceiling (all four present from the first scrape).
  const budgetMirrored = new Map<string, number>();
  new Counter({
    name: 'chatflow_llm_budget_exceeded_total',
    help: 'LLM calls the LLM budget refused (the offline classifier answered), by ceiling',
    labelNames: ['ceiling'],
    registers: [registry],
    collect() {
      const refused = sources.intentStats?.().budgetExceeded;
      for (const ceiling of BUDGET_CEILINGS) {
        const target = refused?.[ceiling] ?? 0;
        const mirrored = budgetMirrored.get(ceiling) ?? 0;
        this.inc({ ceiling }, Math.max(0, target - mirrored));
        budgetMirrored.set(ceiling, Math.max(mirrored, target));
      }
    },
  });
  new Gauge({
    name: 'chatflow_llm_breaker_open',
    help: '1 while the LLM circuit breaker is open (calls go to the fallback), else 0',
    registers: [registry],
    collect() {
      const state = sources.intentStats?.().breakerState;
      this.set(state === 'open' ? 1 : 0);
    },
  });

  return {
    contentType: registry.contentType,
    observer: {
      turn(kind, seconds) {
        turns.inc({ kind });
        turnSeconds.observe({ kind }, seconds);
      },
      classified(provider, outcome, seconds) {
        intentSeconds.observe({ provider, outcome }, seconds);
      },
      storeWrite(operation, seconds) {
        storeWriteSeconds.observe({ operation }, seconds);
      },
    },
    setSources(next) {
      sources = next;
    },
    render: () => registry.metrics(),
  };
}
