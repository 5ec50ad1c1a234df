/**
 * Chatflow as the bench runs it: the real server (startServer, as `npm start` does), configured by the
 * environment the bench gives, in a child process of its own. BENCH_GROUP_COMMIT=0 turns the SQLite
 * group commit off (for the with/without comparison). BENCH_LLM_CLIENT=sdk|chatflow replaces the intent
 * router by one bare LLM client — the openai SDK reference (bench/llm/sdk-classifier.ts), or Chatflow's
 * own (src/intent/openai.ts) — to compare the two in the LLM scenario with nothing else different.
 */
import { loadConfig } from '../../src/config.ts';
import { OpenAiIntentClassifier } from '../../src/intent/openai.ts';
import type { IntentClassifier } from '../../src/intent/port.ts';
import { startServer } from '../../src/main.ts';
import { SdkOpenAiClassifier } from '../llm/sdk-classifier.ts';
import { serveStats } from './child-protocol.ts';

function llmClient(env: NodeJS.ProcessEnv): IntentClassifier | undefined {
  const apiKey = env.OPENAI_API_KEY ?? '';
  const baseURL = env.OPENAI_BASE_URL ?? '';
  if (env.BENCH_LLM_CLIENT === 'sdk') return new SdkOpenAiClassifier({ apiKey, baseURL });
  if (env.BENCH_LLM_CLIENT === 'chatflow') return new OpenAiIntentClassifier({ apiKey, baseURL });
  return undefined;
}

const config = loadConfig(process.env);
const classifier = llmClient(process.env);
const server = await startServer(config, {
  groupCommit: process.env.BENCH_GROUP_COMMIT !== '0',
  ...(classifier ? { classifier } : {}),
});
serveStats({ type: 'ready', url: server.url, adminToken: server.adminToken });
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
