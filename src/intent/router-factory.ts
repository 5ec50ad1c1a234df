/**
 * Builds the intent router from the configuration: the router (INTENT_PROVIDER, per-block override,
 * certain-match shortcut, cache, circuit breaker, fallback) over the offline classifier and, when
 * OPENAI_API_KEY is set, OpenAI. The composition root calls `createIntentStack` once at startup; it logs
 * `describeIntentSettings` (never the key) and the warnings. Nothing here contacts OpenAI: its client is
 * built on the first call. The server's router has the LLM budget (LLM_BUDGET_*); `chatflow eval`'s has
 * none (an operator's own evaluation run must not fall back half-way).
 */
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { IntentProviderName } from '../flow/types.ts';
import { type BreakerOptions, CircuitBreaker } from './breaker.ts';
import { type BudgetLimits, type BudgetRefusal, LlmBudget, LogThrottle } from './budget.ts';
import { type CacheOptions, IntentCache } from './cache.ts';
import { OPENAI_DEFAULTS } from './defaults.ts';
import { OfflineIntentClassifier } from './offline/index.ts';
import { type OpenAiClassifierOptions, OpenAiIntentClassifier } from './openai.ts';
import type { IntentClassifier } from './port.ts';
import { type CertainMatch, IntentRouter } from './router.ts';

/** The intent part of the configuration (validated once in src/config.ts). */
export type IntentConfig = Pick<Config, 'intent' | 'openai' | 'intentModelCacheBytes' | 'llmBudget'>;

/** A budget warning is logged at most once a minute per ceiling, with the count held back meanwhile. */
export const BUDGET_WARNING_INTERVAL_MS = 60_000;

export interface IntentSettings {
  provider: IntentProviderName;
  timeoutMs: number;
  /** Present when OPENAI_API_KEY is set. */
  openai?: { apiKey: string; baseURL?: string; model: string };
}

/** The intent settings of a validated configuration, and what the startup log should warn about. */
export function intentSettingsOf(config: IntentConfig): { settings: IntentSettings; warnings: string[] } {
  const { apiKey, baseUrl, model } = config.openai;
  const settings: IntentSettings = { provider: config.intent.provider, timeoutMs: config.intent.timeoutMs };
  const warnings: string[] = [];
  if (apiKey) {
    settings.openai = { apiKey, model, ...(baseUrl ? { baseURL: baseUrl } : {}) };
  } else {
    if (config.intent.provider === 'openai') {
      warnings.push(
        'INTENT_PROVIDER=openai but OPENAI_API_KEY is not set: intent blocks will go to onError (PROVIDER_UNAVAILABLE)',
      );
    }
    if (baseUrl) {
      warnings.push(
        'OPENAI_BASE_URL is ignored without OPENAI_API_KEY (a local server that needs no key accepts any value, e.g. OPENAI_API_KEY=local)',
      );
    }
  }
  return { settings, warnings };
}

/** What the startup log may show: which provider answers, where, and whether a key is set. */
export function describeIntentSettings(settings: IntentSettings): Record<string, string | number> {
  const effective =
    settings.provider === 'local' || (settings.provider === 'auto' && !settings.openai) ? 'local' : 'openai';
  const summary: Record<string, string | number> = {
    intentProvider: settings.provider,
    effectiveProvider: effective,
    intentTimeoutMs: settings.timeoutMs,
    openaiApiKey: settings.openai ? 'set' : 'not set',
  };
  if (settings.openai) {
    const url = new URL(settings.openai.baseURL ?? OPENAI_DEFAULTS.baseURL);
    url.username = '';
    url.password = '';
    summary.openaiBaseUrl = url.origin + url.pathname;
    summary.openaiModel = settings.openai.model;
  }
  return summary;
}

export interface IntentRouterParts {
  local: IntentClassifier;
  certainMatch?: CertainMatch;
  breaker?: BreakerOptions;
  cache?: CacheOptions;
  /** Extra OpenAI options (per-attempt timeout, backoff, onRetry for logs). */
  openai?: Omit<OpenAiClassifierOptions, 'apiKey' | 'baseURL' | 'model' | 'timeoutMs'>;
  /** Ceilings on LLM calls (absent: unlimited), and who is told when one refuses a call. */
  budget?: { limits: BudgetLimits; now?: () => number; onExceeded?: (refusal: BudgetRefusal) => void };
}

/** The router for `settings` over the given local classifier (tests pass their own). */
export function createIntentRouter(settings: IntentSettings, parts: IntentRouterParts): IntentRouter {
  const options: ConstructorParameters<typeof IntentRouter>[0] = {
    mode: settings.provider,
    timeoutMs: settings.timeoutMs,
    local: parts.local,
    breaker: new CircuitBreaker(parts.breaker),
    cache: new IntentCache(parts.cache),
  };
  if (parts.certainMatch) options.certainMatch = parts.certainMatch;
  if (parts.budget) {
    const { limits, now, onExceeded } = parts.budget;
    options.budget = new LlmBudget(limits, now ? { now } : {});
    if (onExceeded) options.onBudgetExceeded = onExceeded;
  }
  if (settings.openai) {
    options.openai = new OpenAiIntentClassifier({
      ...parts.openai,
      ...settings.openai,
      timeoutMs: settings.timeoutMs,
    });
  }
  return new IntentRouter(options);
}

function offlineClassifier(config: IntentConfig): {
  classifier: IntentClassifier;
  certainMatch: CertainMatch;
} {
  const offline = new OfflineIntentClassifier({ maxCachedBytes: config.intentModelCacheBytes });
  return { classifier: offline, certainMatch: offline.certainMatch };
}

/** The product's router: settings from the configuration, logged once, over the offline classifier. */
export function createIntentStack(
  config: IntentConfig,
  logger: Logger,
  local: { classifier: IntentClassifier; certainMatch?: CertainMatch } = offlineClassifier(config),
): IntentRouter {
  const { settings, warnings } = intentSettingsOf(config);
  const limits = config.llmBudget;
  logger.info({ intent: describeIntentSettings(settings), llmBudget: limits }, 'intent detection');
  for (const warning of warnings) logger.warn(warning);
  const throttle = new LogThrottle(BUDGET_WARNING_INTERVAL_MS);
  return createIntentRouter(settings, {
    local: local.classifier,
    ...(local.certainMatch ? { certainMatch: local.certainMatch } : {}),
    openai: {
      onRetry: (event) => logger.debug({ retry: event.retry, delayMs: event.delayMs }, 'OpenAI call retried'),
    },
    budget: {
      limits,
      onExceeded: (refusal) => {
        const noted = throttle.note(refusal.ceiling);
        if (!noted) return;
        logger.warn(
          { ceiling: refusal.ceiling, limit: refusal.limit, suppressed: noted.suppressed },
          `LLM budget exceeded (${refusal.ceiling}): the offline classifier answers instead; ` +
            'further refusals of this ceiling are logged at most once a minute',
        );
      },
    },
  });
}
