/** The intent stack for the configured INTENT_PROVIDER (replaced by the router once it lands). */
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { IntentClassifier } from './classifier.ts';

export function createClassifier(_config: Config, _logger: Logger): IntentClassifier {
  return {
    classify: async () => ({
      kind: 'error',
      code: 'PROVIDER_UNAVAILABLE',
      message: 'no intent provider is wired yet',
      provider: 'none',
      latencyMs: 0,
      cached: false,
      fallback: false,
    }),
  };
}
