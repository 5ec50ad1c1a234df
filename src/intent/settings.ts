/**
 * The intent part of the configuration (INTENT_PROVIDER, INTENT_TIMEOUT_MS, OPENAI_API_KEY,
 * OPENAI_BASE_URL, OPENAI_MODEL; validated once in src/config.ts). The composition root logs the
 * warnings and `describeIntentSettings` (never the key) at startup.
 */
import type { Config } from '../config.ts';
import type { IntentProviderName } from '../flow/types.ts';
import { OPENAI_DEFAULTS } from './openai.ts';

/** INTENT_TIMEOUT_MS bounds: under 100 ms no provider can answer; over 2 minutes a user has left. */
export const INTENT_TIMEOUT_LIMITS = { minMs: 100, maxMs: 120_000 } as const;

export interface IntentSettings {
  provider: IntentProviderName;
  timeoutMs: number;
  /** Present when OPENAI_API_KEY is set. */
  openai?: { apiKey: string; baseURL?: string; model: string };
}

/** The intent settings of a validated configuration, and what the startup log should warn about. */
export function intentSettingsOf(config: Config): { settings: IntentSettings; warnings: string[] } {
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
