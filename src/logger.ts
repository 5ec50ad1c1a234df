/**
 * Structured JSON logs (pino). Secrets never reach a log line: every key that can hold one is
 * redacted wherever it appears (request headers, config objects, errors).
 */
import { type DestinationStream, type Logger, pino } from 'pino';
import type { Config } from './config.ts';

export const REDACTED_PATHS = [
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'adminToken',
  '*.adminToken',
  'metricsToken',
  '*.metricsToken',
  'apiKey',
  '*.apiKey',
  '*.*.apiKey',
  'databaseUrl',
  '*.databaseUrl',
  'resumeToken',
  '*.resumeToken',
  'resumeTokenHash',
  '*.resumeTokenHash',
  'ADMIN_TOKEN',
  'OPENAI_API_KEY',
  'DATABASE_URL',
  '*.ADMIN_TOKEN',
  '*.OPENAI_API_KEY',
  '*.DATABASE_URL',
  'METRICS_TOKEN',
  '*.METRICS_TOKEN',
];

export function createLogger(level: Config['logLevel'], destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'chatflow' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
