/**
 * Composition of the intent stack from settings: the composition root calls this once at startup with
 * the offline classifier. The OpenAI client itself is built on the first OpenAI call, never at import.
 */
import { type BreakerOptions, CircuitBreaker } from './breaker.ts';
import { type CacheOptions, IntentCache } from './cache.ts';
import { type OpenAiClassifierOptions, OpenAiIntentClassifier } from './openai.ts';
import type { IntentClassifier } from './port.ts';
import { type CertainMatch, IntentRouter } from './router.ts';
import type { IntentSettings } from './settings.ts';

export interface IntentStackParts {
  local: IntentClassifier;
  certainMatch?: CertainMatch;
  breaker?: BreakerOptions;
  cache?: CacheOptions;
  /** Extra OpenAI options (per-attempt timeout, backoff, onRetry for logs). */
  openai?: Omit<OpenAiClassifierOptions, 'apiKey' | 'baseURL' | 'model' | 'timeoutMs'>;
}

export function createIntentRouter(settings: IntentSettings, parts: IntentStackParts): IntentRouter {
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
