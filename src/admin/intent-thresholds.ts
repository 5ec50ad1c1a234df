/**
 * What an upload tells the author about thresholds: for each intent block where neither the block
 * nor the flow sets `minConfidence` and the offline classifier answers, the threshold that classifier
 * uses, derived from the block's own examples at training (src/intent/offline/default-threshold.ts).
 * Reported among the upload's warnings, so that the value is seen where the flow is uploaded.
 */
import { intentDefinitions } from '../engine/index.ts';
import type { Flow, FlowProblem, IntentProviderName } from '../flow/types.ts';
import type { IntentClassifier } from '../intent/port.ts';

export function intentThresholdNotes(
  flow: Flow,
  version: number,
  classifier: Pick<IntentClassifier, 'defaultThreshold'> | undefined,
  defaultProvider: IntentProviderName,
): FlowProblem[] {
  if (flow.settings?.intent?.minConfidence !== undefined || !classifier?.defaultThreshold) return [];
  const notes: FlowProblem[] = [];
  flow.blocks.forEach((block, index) => {
    if (block.type !== 'intent' || block.minConfidence !== undefined) return;
    // OpenAI's answers carry its own fixed default; the offline one only matters where it answers.
    if ((block.provider ?? flow.settings?.intent?.provider ?? defaultProvider) === 'openai') return;
    const threshold = classifier.defaultThreshold?.(version, block.id, intentDefinitions(block));
    if (!threshold) return;
    const how = threshold.derived
      ? `derived from this block's examples by cross-validation`
      : `the fixed default: too few examples to derive one (3 per intent, for 2 intents or more)`;
    notes.push({
      path: `/blocks/${index}`,
      message: `intent block "${block.id}" sets no minConfidence: the offline classifier's threshold is ${threshold.value} (${how}); set minConfidence on the block or in settings.intent to override`,
    });
  });
  return notes;
}
