/**
 * The intent stack for the configuration: the router (INTENT_PROVIDER, per-block override, certain-match
 * shortcut, cache, circuit breaker, fallback) over the offline classifier and, when a key is set, OpenAI.
 * Nothing here contacts OpenAI: its client is built on the first call.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { IntentClassifier } from './classifier.ts';
import { createIntentRouter } from './create.ts';
import type { CertainMatch, IntentRouter } from './router.ts';
import { describeIntentSettings, intentSettingsOf } from './settings.ts';

export function createIntentStack(
  config: Config,
  logger: Logger,
  local: { classifier: IntentClassifier; certainMatch?: CertainMatch },
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

/** Until the offline classifier lands: a local provider that always reports itself unavailable. */
export const UNAVAILABLE_LOCAL: IntentClassifier = {
  classify: async () => ({
    kind: 'error',
    code: 'PROVIDER_UNAVAILABLE',
    message: 'the offline classifier is not available',
    provider: 'local',
    latencyMs: 0,
    cached: false,
    fallback: false,
  }),
};
