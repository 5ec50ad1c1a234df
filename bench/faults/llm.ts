/** The fake OpenAI server of the tests, as the fault scenarios use it: an LLM that is slow, or hung. */
import { answer, FakeOpenAi, type RecordedRequest } from '../../test/support/fake-openai.ts';

/** The fake model picks the first intent whose id the user's text contains, like the bench's fake LLM. */
function intentNamedIn(request: RecordedRequest): string {
  const text = (request.body.messages?.at(-1)?.content ?? '').toLowerCase();
  const intents = request.body.response_format?.json_schema?.schema?.properties?.intent?.enum ?? [];
  return intents.find((id) => id !== '(no match)' && text.includes(id)) ?? '(no match)';
}

/** An LLM answering every request after `delayMs` (read when the request arrives). */
export async function slowLlm(delayMs: number | (() => number)): Promise<FakeOpenAi> {
  const delay = typeof delayMs === 'number' ? () => delayMs : delayMs;
  return (await FakeOpenAi.start()).respondWith((request) =>
    answer(intentNamedIn(request), 0.9, { delayMs: delay() }),
  );
}

/** An LLM that never answers within a run. */
export async function hungLlm(): Promise<FakeOpenAi> {
  return (await FakeOpenAi.start()).respondWith(() => ({ delayMs: 600_000 }));
}

/** The server's settings to use `llm` with `provider`. */
export function llmEnv(llm: FakeOpenAi, provider: 'openai' | 'auto'): Record<string, string> {
  return { INTENT_PROVIDER: provider, OPENAI_API_KEY: 'sk-faults', OPENAI_BASE_URL: llm.baseURL };
}
