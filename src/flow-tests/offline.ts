/**
 * The offline run: a flow and its tests, through the engine, with the offline classifier. Used by
 * `chatflow test` and by POST /api/flow/validate for the tests stored with the flow.
 */
import type { ClassificationNeeded } from '../engine/index.ts';
import type { Flow } from '../flow/types.ts';
import { INTENT_TIMEOUT } from '../intent/defaults.ts';
import { inlineTrainer, OfflineIntentClassifier } from '../intent/offline/index.ts';
import { createIntentRouter } from '../intent/router-factory.ts';
import { compileForTests, EngineDriver } from './engine-driver.ts';
import type { TestFile } from './format.ts';
import { type DriverFactory, runTestFile, type TestRunOutcome } from './run.ts';

/** A flow ready to run tests: compiled, its intent models trained (once, however many files). */
export interface PreparedFlow {
  run(tests: TestFile): Promise<TestRunOutcome>;
  /** A fresh in-process driver, for a runner that schedules the conversations itself (the admin API). */
  newDriver: DriverFactory;
}

export interface PrepareOptions {
  /**
   * Train on the calling thread. A command line has no other conversation to keep answering, and
   * starting the training worker costs more than training a small flow (0.2–0.4 s); a server trains
   * in its worker so that the chats it serves meanwhile are not paused.
   */
  trainInline?: boolean;
}

export async function prepareFlow(flow: Flow, options: PrepareOptions = {}): Promise<PreparedFlow> {
  const { compiled, intentBlocks } = compileForTests(flow);
  const offline = new OfflineIntentClassifier(options.trainInline ? { trainer: inlineTrainer } : {});
  // No OpenAI settings: `auto` is the offline classifier with the quick-reply shortcut, as on a server without a key.
  const router = createIntentRouter(
    { provider: 'auto', timeoutMs: INTENT_TIMEOUT.defaultMs },
    { local: offline, certainMatch: offline.certainMatch },
  );
  await router.prepare(compiled.version, intentBlocks);
  const classifier = {
    // The block's own provider is dropped: a test run never calls an LLM.
    classify: ({ provider: _provider, ...request }: ClassificationNeeded) => router.classify(request),
  };
  const newDriver: DriverFactory = async () => new EngineDriver(compiled, classifier);
  return { newDriver, run: (tests) => runTestFile(tests, newDriver) };
}
