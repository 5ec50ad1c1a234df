/**
 * The intent stack for the configuration: the router (INTENT_PROVIDER, per-block override, certain-match
 * shortcut, cache, circuit breaker, fallback) over the offline classifier and, when a key is set, OpenAI.
 * Nothing here contacts OpenAI: its client is built on the first call.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { createIntentRouter } from './create.ts';
import { OfflineIntentClassifier } from './offline/index.ts';
import type { IntentClassifier } from './port.ts';
import type { CertainMatch, IntentRouter } from './router.ts';
import { describeIntentSettings, intentSettingsOf } from './settings.ts';

function offlineClassifier(config: Config): { classifier: IntentClassifier; certainMatch: CertainMatch } {
  const offline = new OfflineIntentClassifier({ maxCachedBytes: config.intentModelCacheBytes });
  return { classifier: offline, certainMatch: offline.certainMatch };
}

export function createIntentStack(
  config: Config,
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
