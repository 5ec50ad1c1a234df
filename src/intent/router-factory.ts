/**
 * Builds the intent router from the configuration: the router (INTENT_PROVIDER, per-block override,
 * certain-match shortcut, cache, circuit breaker, fallback) over the offline classifier and, when
 * OPENAI_API_KEY is set, OpenAI. The composition root calls `createIntentStack` once at startup; it logs
 * `describeIntentSettings` (never the key) and the warnings. Nothing here contacts OpenAI: its client is
 * built on the first call.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { IntentProviderName } from '../flow/types.ts';
import { type BreakerOptions, CircuitBreaker } from './breaker.ts';
import { type CacheOptions, IntentCache } from './cache.ts';
import { OPENAI_DEFAULTS } from './defaults.ts';
import { OfflineIntentClassifier } from './offline/index.ts';
import { type OpenAiClassifierOptions, OpenAiIntentClassifier } from './openai.ts';
import type { IntentClassifier } from './port.ts';
import { type CertainMatch, IntentRouter } from './router.ts';

/** The intent part of the configuration (validated once in src/config.ts). */
export type IntentConfig = Pick<Config, 'intent' | 'openai' | 'intentModelCacheBytes'>;

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
  logger.info({ intent: describeIntentSettings(settings) }, 'intent detection');
  for (const warning of warnings) logger.warn(warning);
  return createIntentRouter(settings, {
    local: local.classifier,
    ...(local.certainMatch ? { certainMatch: local.certainMatch } : {}),
    openai: {
      onRetry: (event) => logger.debug({ retry: event.retry, delayMs: event.delayMs }, 'OpenAI call retried'),
    },
  });
}
