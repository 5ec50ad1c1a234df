/**
 * The intent part of the configuration, read from the environment: INTENT_PROVIDER, INTENT_TIMEOUT_MS,
 * OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL. The config module calls `parseIntentSettings` and logs
 * the warnings and `describeIntentSettings` (never the key) at startup.
 */
import { z } from 'zod';
import { PROVIDERS } from '../flow/schema.ts';
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

export type IntentSettingsResult =
  | { ok: true; settings: IntentSettings; warnings: string[] }
  | { ok: false; errors: string[] };

const blankAsUnset = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const envSchema = z.object({
  INTENT_PROVIDER: z.preprocess(blankAsUnset, z.enum(PROVIDERS).default('auto')),
  INTENT_TIMEOUT_MS: z.preprocess(
    blankAsUnset,
    z.coerce
      .number()
      .int()
      .min(INTENT_TIMEOUT_LIMITS.minMs)
      .max(INTENT_TIMEOUT_LIMITS.maxMs)
      .default(OPENAI_DEFAULTS.timeoutMs),
  ),
  OPENAI_API_KEY: z.preprocess(blankAsUnset, z.string().optional()),
  OPENAI_BASE_URL: z.preprocess(blankAsUnset, z.url({ protocol: /^https?$/ }).optional()),
  OPENAI_MODEL: z.preprocess(blankAsUnset, z.string().max(200).optional()),
});

export function parseIntentSettings(env: Record<string, string | undefined>): IntentSettingsResult {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    // Messages name the variable and the rule, never the value (it could be a key).
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    };
  }
  const { INTENT_PROVIDER, INTENT_TIMEOUT_MS, OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL } = parsed.data;
  const settings: IntentSettings = { provider: INTENT_PROVIDER, timeoutMs: INTENT_TIMEOUT_MS };
  const warnings: string[] = [];
  if (OPENAI_API_KEY) {
    settings.openai = { apiKey: OPENAI_API_KEY, model: OPENAI_MODEL ?? OPENAI_DEFAULTS.model };
    if (OPENAI_BASE_URL) settings.openai.baseURL = OPENAI_BASE_URL;
  } else {
    if (INTENT_PROVIDER === 'openai') {
      warnings.push(
        'INTENT_PROVIDER=openai but OPENAI_API_KEY is not set: intent blocks will go to onError (PROVIDER_UNAVAILABLE)',
      );
    }
    if (OPENAI_BASE_URL || OPENAI_MODEL) {
      warnings.push(
        'OPENAI_BASE_URL/OPENAI_MODEL are ignored without OPENAI_API_KEY (a local server that needs no key accepts any value, e.g. OPENAI_API_KEY=local)',
      );
    }
  }
  return { ok: true, settings, warnings };
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
