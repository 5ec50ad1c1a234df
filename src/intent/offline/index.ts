/** The offline intent classifier (docs/intent-detection.md). */
export { matchKey } from './certain-match.ts';
export {
  DEFAULT_MIN_CONFIDENCE,
  LOCAL_PROVIDER,
  type OfflineClassifierOptions,
  OfflineIntentClassifier,
} from './classifier.ts';
export { OFFLINE_LIMITS } from './limits.ts';
export { inlineTrainer } from './trainer.ts';
