/**
 * Every environment variable of the product, validated once at startup. `loadConfig` is pure: it reads
 * only the `env` object it is given, so tests can pass any environment. A bad value throws a
 * ConfigError naming each variable at fault; main.ts prints it and exits with EX_CONFIG (78).
 */
import { z } from 'zod';
import { INTENT_PROVIDERS } from './flow/schema.ts';
import type { IntentProviderName } from './flow/types.ts';
import { parseTrustProxy, type TrustProxy } from './http/client-address.ts';
import { BUDGET_DEFAULTS, type BudgetLimits } from './intent/budget.ts';
import { INTENT_TIMEOUT, OPENAI_DEFAULTS } from './intent/defaults.ts';
import type { WsLimits } from './ws/limits.ts';

/** sysexits.h EX_CONFIG: "something was found in an unconfigured or misconfigured state". */
export const EX_CONFIG = 78;

export const CONFIG_DEFAULTS = {
  PORT: 3000,
  HOST: '0.0.0.0',
  DATA_DIR: './data',
  OPENAI_MODEL: OPENAI_DEFAULTS.model,
  INTENT_PROVIDER: 'auto',
  INTENT_TIMEOUT_MS: INTENT_TIMEOUT.defaultMs,
  /** Memory of the offline intent models kept at once (docs/intent-detection.md, Limits). */
  INTENT_MODEL_CACHE_MB: 256,
  /** The LLM budget (docs/intent-detection.md, Budget); 0 = unlimited. */
  LLM_BUDGET_PER_CONVERSATION: BUDGET_DEFAULTS.perConversation,
  LLM_BUDGET_PER_ADDRESS_PER_HOUR: BUDGET_DEFAULTS.perAddressPerHour,
  LLM_BUDGET_PER_MINUTE: BUDGET_DEFAULTS.perMinute,
  LLM_BUDGET_PER_DAY: BUDGET_DEFAULTS.perDay,
  LOG_LEVEL: 'info',
  MAX_BODY_BYTES: 5 * 1024 * 1024,
  WS_MAX_FRAME_BYTES: 16_384,
  WS_MAX_TEXT_CHARS: 4_000,
  WS_RATE_PER_SEC: 10,
  WS_RATE_BURST: 20,
  WS_MAX_CONNECTIONS: 10_000,
  WS_PING_INTERVAL_MS: 30_000,
  WS_MAX_CONNECTIONS_PER_ADDRESS: 20,
  WS_HANDSHAKES_PER_MINUTE: 60,
  WS_ADDRESS_RATE_PER_SEC: 20,
  WS_ADDRESS_RATE_BURST: 40,
  WS_IDLE_TIMEOUT_MS: 600_000,
  SHUTDOWN_TIMEOUT_MS: 10_000,
  /** Conversations with no user message are deleted this long after their last activity (0: kept). */
  UNANSWERED_TTL_MINUTES: 10,
  /** Conversations are deleted this long after their last activity (0: kept forever, the default). */
  RETENTION_DAYS: 0,
  ADMIN_AUTH_FAILURES_PER_MIN: 10,
  /** A client gets this long to send a request's headers (Node's own default: 60 s). */
  HTTP_HEADERS_TIMEOUT_MS: 10_000,
  /** ...and this long for the whole request, body included (Node's: 300 s); 5 MiB at ~100 kB/s. */
  HTTP_REQUEST_TIMEOUT_MS: 60_000,
  /** Open TCP connections on top of WS_MAX_CONNECTIONS, for HTTP requests (the default HTTP_MAX_CONNECTIONS). */
  HTTP_CONNECTIONS_ABOVE_WS: 1_000,
} as const;

/** The shortest ADMIN_TOKEN accepted: a short token is found by brute force (7391: in under a second). */
export const ADMIN_TOKEN_MIN_CHARS = 32;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const wholeNumber = (min: number, max: number) =>
  z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.int().min(min).max(max));

const integer = (min: number, max: number, fallback: number) => wholeNumber(min, max).default(fallback);

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/**
 * One `scheme://host[:port]` entry, normalised the way browsers write the Origin header (lowercase,
 * default port dropped), so the WebSocket layer can compare strings. Null when it is not an origin.
 */
export function normaliseOrigin(entry: string): string | null {
  if (!URL.canParse(entry)) return null;
  const url = new URL(entry);
  const bare = url.pathname === '/' && !entry.endsWith('/') && !url.search && !url.hash;
  if (!bare || url.username || url.password || url.origin === 'null') return null;
  return url.origin;
}

const originList = z
  .string()
  .transform((value, ctx) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
      .map((item) => {
        const origin = normaliseOrigin(item);
        if (origin === null) {
          ctx.addIssue({ code: 'custom', message: `"${item}" is not scheme://host[:port]` });
        }
        return origin ?? '';
      }),
  )
  .default([]);

/** A value usable in `Authorization: Bearer <token>`. */
const bearerTokenValue = z.string().regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

const envSchema = z.object({
  PORT: integer(0, 65_535, CONFIG_DEFAULTS.PORT),
  ADMIN_PORT: wholeNumber(0, 65_535).optional(),
  HOST: z.string().default(CONFIG_DEFAULTS.HOST),
  DATA_DIR: z.string().default(CONFIG_DEFAULTS.DATA_DIR),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  SQLITE_WORKER: z.enum(['0', '1'], { error: 'must be 0 or 1' }).default('0'),
  ADMIN_TOKEN: bearerTokenValue
    .refine((token) => !/^[\x21-\x7e]+$/.test(token) || token.length >= ADMIN_TOKEN_MIN_CHARS, {
      message: `must be at least ${ADMIN_TOKEN_MIN_CHARS} characters (e.g. openssl rand -hex 32), or unset to generate one`,
    })
    .optional(),
  METRICS_TOKEN: bearerTokenValue.optional(),
  ADMIN_AUTH_FAILURES_PER_MIN: integer(1, 1_000_000, CONFIG_DEFAULTS.ADMIN_AUTH_FAILURES_PER_MIN),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: httpUrl.optional(),
  OPENAI_MODEL: z.string().default(CONFIG_DEFAULTS.OPENAI_MODEL),
  INTENT_PROVIDER: z.enum(INTENT_PROVIDERS).default(CONFIG_DEFAULTS.INTENT_PROVIDER),
  INTENT_TIMEOUT_MS: integer(INTENT_TIMEOUT.minMs, INTENT_TIMEOUT.maxMs, CONFIG_DEFAULTS.INTENT_TIMEOUT_MS),
  INTENT_MODEL_CACHE_MB: integer(1, 1_048_576, CONFIG_DEFAULTS.INTENT_MODEL_CACHE_MB),
  LLM_BUDGET_PER_CONVERSATION: integer(0, 1_000_000_000, CONFIG_DEFAULTS.LLM_BUDGET_PER_CONVERSATION),
  LLM_BUDGET_PER_ADDRESS_PER_HOUR: integer(0, 1_000_000_000, CONFIG_DEFAULTS.LLM_BUDGET_PER_ADDRESS_PER_HOUR),
  LLM_BUDGET_PER_MINUTE: integer(0, 1_000_000_000, CONFIG_DEFAULTS.LLM_BUDGET_PER_MINUTE),
  LLM_BUDGET_PER_DAY: integer(0, 1_000_000_000, CONFIG_DEFAULTS.LLM_BUDGET_PER_DAY),
  LOG_LEVEL: z.enum(LOG_LEVELS).default(CONFIG_DEFAULTS.LOG_LEVEL),
  ALLOWED_ORIGINS: originList,
  MAX_BODY_BYTES: integer(1_024, 1024 * 1024 * 1024, CONFIG_DEFAULTS.MAX_BODY_BYTES),
  WS_MAX_FRAME_BYTES: integer(256, 64 * 1024 * 1024, CONFIG_DEFAULTS.WS_MAX_FRAME_BYTES),
  WS_MAX_TEXT_CHARS: integer(1, 1_000_000, CONFIG_DEFAULTS.WS_MAX_TEXT_CHARS),
  WS_RATE_PER_SEC: integer(0, 100_000, CONFIG_DEFAULTS.WS_RATE_PER_SEC),
  WS_RATE_BURST: integer(1, 100_000, CONFIG_DEFAULTS.WS_RATE_BURST),
  WS_MAX_CONNECTIONS: integer(1, 1_000_000, CONFIG_DEFAULTS.WS_MAX_CONNECTIONS),
  WS_PING_INTERVAL_MS: integer(100, 3_600_000, CONFIG_DEFAULTS.WS_PING_INTERVAL_MS),
  WS_MAX_CONNECTIONS_PER_ADDRESS: integer(0, 1_000_000, CONFIG_DEFAULTS.WS_MAX_CONNECTIONS_PER_ADDRESS),
  WS_HANDSHAKES_PER_MINUTE: integer(0, 1_000_000, CONFIG_DEFAULTS.WS_HANDSHAKES_PER_MINUTE),
  WS_ADDRESS_RATE_PER_SEC: integer(0, 1_000_000, CONFIG_DEFAULTS.WS_ADDRESS_RATE_PER_SEC),
  WS_ADDRESS_RATE_BURST: integer(1, 1_000_000, CONFIG_DEFAULTS.WS_ADDRESS_RATE_BURST),
  WS_IDLE_TIMEOUT_MS: integer(0, 86_400_000, CONFIG_DEFAULTS.WS_IDLE_TIMEOUT_MS),
  SHUTDOWN_TIMEOUT_MS: integer(0, 600_000, CONFIG_DEFAULTS.SHUTDOWN_TIMEOUT_MS),
  UNANSWERED_TTL_MINUTES: integer(0, 525_600, CONFIG_DEFAULTS.UNANSWERED_TTL_MINUTES),
  RETENTION_DAYS: integer(0, 36_500, CONFIG_DEFAULTS.RETENTION_DAYS),
  CHAT_USER_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)')
    .optional(),
  HTTP_HEADERS_TIMEOUT_MS: integer(100, 600_000, CONFIG_DEFAULTS.HTTP_HEADERS_TIMEOUT_MS),
  HTTP_REQUEST_TIMEOUT_MS: integer(100, 3_600_000, CONFIG_DEFAULTS.HTTP_REQUEST_TIMEOUT_MS),
  HTTP_MAX_CONNECTIONS: wholeNumber(1, 2_000_000).optional(),
  TRUST_PROXY: z
    .string()
    .transform((value, ctx) => {
      const parsed = parseTrustProxy(value);
      if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
      return 'error' in parsed ? ({ kind: 'off' } as const) : parsed;
    })
    .default({ kind: 'off' }),
});

/** The names of every variable the product reads (docs/configuration.md lists exactly these). */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape) as (keyof typeof envSchema.shape)[];

export interface HttpLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Open TCP connections of a listener (WebSocket ones included); more are closed at once. */
  maxConnections: number;
}

export interface Config {
  port: number;
  /** When set, /api, /metrics and /openapi.json are served on this port only, not on PORT. */
  adminPort: number | undefined;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** SQLITE_WORKER=1: the SQLite connection runs in a worker thread (docs/performance.md). */
  sqliteWorker: boolean;
  adminToken: string | undefined;
  /** Bearer token of GET /metrics; undefined: open. */
  metricsToken: string | undefined;
  openai: { apiKey: string | undefined; baseUrl: string | undefined; model: string };
  intent: { provider: IntentProviderName; timeoutMs: number };
  /** INTENT_MODEL_CACHE_MB in bytes: the offline models' cache, and the most one flow's models may need. */
  intentModelCacheBytes: number;
  /** Ceilings on LLM classifications (0 = unlimited). */
  llmBudget: BudgetLimits;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Normalised origins (see normaliseOrigin); empty = allow every Origin. */
  allowedOrigins: string[];
  maxBodyBytes: number;
  ws: WsLimits;
  shutdownTimeoutMs: number;
  http: HttpLimits;
  /** Which proxies' X-Forwarded-For is believed (off by default): the client address of limits and logs. */
  trustProxy: TrustProxy;
  /** What the janitor deletes, in minutes / days after a conversation's last activity; 0 is off. */
  retention: { unansweredTtlMinutes: number; retentionDays: number };
  /** CHAT_USER_SECRET: the key of signed user ids at connect; undefined refuses them. */
  chatUserSecret: string | undefined;
  /** Wrong admin tokens a client address may send per minute before it is refused (429) for the rest of it. */
  adminAuthFailuresPerMin: number;
}

export interface ConfigProblem {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Only our variables, with empty values treated as unset (as `FOO=` in a compose file means "not set"). */
function relevant(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of CONFIG_VARIABLES) {
    const value = env[name]?.trim();
    if (value) picked[name] = value;
  }
  return picked;
}

/** Validates the environment; throws ConfigError listing every bad variable. Never logs anything. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const parsed = envSchema.safeParse(relevant(env));
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? 'environment'),
        // Never echo the value itself: it may be a secret.
        message: issue.message,
      })),
    );
  }
  const e = parsed.data;
  const problems: ConfigProblem[] = [];
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push({
      variable: 'HTTP_HEADERS_TIMEOUT_MS',
      message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS',
    });
  }
  if (e.HTTP_MAX_CONNECTIONS !== undefined && e.HTTP_MAX_CONNECTIONS <= e.WS_MAX_CONNECTIONS) {
    problems.push({
      variable: 'HTTP_MAX_CONNECTIONS',
      message: 'must be above WS_MAX_CONNECTIONS (WebSocket connections count too)',
    });
  }
  if (e.ADMIN_PORT !== undefined && e.ADMIN_PORT !== 0 && e.ADMIN_PORT === e.PORT) {
    problems.push({ variable: 'ADMIN_PORT', message: 'must differ from PORT' });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: e.PORT,
    adminPort: e.ADMIN_PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    sqliteWorker: e.SQLITE_WORKER === '1',
    adminToken: e.ADMIN_TOKEN,
    metricsToken: e.METRICS_TOKEN,
    openai: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL },
    intent: { provider: e.INTENT_PROVIDER, timeoutMs: e.INTENT_TIMEOUT_MS },
    intentModelCacheBytes: e.INTENT_MODEL_CACHE_MB * 1024 * 1024,
    llmBudget: {
      perConversation: e.LLM_BUDGET_PER_CONVERSATION,
      perAddressPerHour: e.LLM_BUDGET_PER_ADDRESS_PER_HOUR,
      perMinute: e.LLM_BUDGET_PER_MINUTE,
      perDay: e.LLM_BUDGET_PER_DAY,
    },
    logLevel: e.LOG_LEVEL,
    allowedOrigins: e.ALLOWED_ORIGINS,
    maxBodyBytes: e.MAX_BODY_BYTES,
    ws: {
      maxFrameBytes: e.WS_MAX_FRAME_BYTES,
      maxTextChars: e.WS_MAX_TEXT_CHARS,
      ratePerSec: e.WS_RATE_PER_SEC,
      rateBurst: e.WS_RATE_BURST,
      maxConnections: e.WS_MAX_CONNECTIONS,
      pingIntervalMs: e.WS_PING_INTERVAL_MS,
      maxConnectionsPerAddress: e.WS_MAX_CONNECTIONS_PER_ADDRESS,
      handshakesPerMinute: e.WS_HANDSHAKES_PER_MINUTE,
      addressRatePerSec: e.WS_ADDRESS_RATE_PER_SEC,
      addressRateBurst: e.WS_ADDRESS_RATE_BURST,
      idleTimeoutMs: e.WS_IDLE_TIMEOUT_MS,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      maxConnections:
        e.HTTP_MAX_CONNECTIONS ?? e.WS_MAX_CONNECTIONS + CONFIG_DEFAULTS.HTTP_CONNECTIONS_ABOVE_WS,
    },
    trustProxy: e.TRUST_PROXY,
    retention: { unansweredTtlMinutes: e.UNANSWERED_TTL_MINUTES, retentionDays: e.RETENTION_DAYS },
    chatUserSecret: e.CHAT_USER_SECRET,
    adminAuthFailuresPerMin: e.ADMIN_AUTH_FAILURES_PER_MIN,
  };
}
