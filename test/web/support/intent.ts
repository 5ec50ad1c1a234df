/**
 * Which classifier the browser tests chat with.
 *
 * The chat assertions use only obvious texts: an exact example of an intent ("will it rain tomorrow") or
 * its quick-reply label, which a working offline classifier recognises with certainty. Until the offline
 * classifier is merged (on this branch INTENT_PROVIDER=local answers PROVIDER_UNAVAILABLE), they run
 * against the fake OpenAI-compatible server, answering through the real SDK and router like a model
 * that knows the examples. Set PLAYGROUND_INTENT=local (or change the default below) to run them on the
 * offline classifier instead.
 */
import { answer, FakeOpenAi } from '../../support/fake-openai.ts';

export type IntentMode = 'local' | 'fake-openai';

export const INTENT_MODE: IntentMode = process.env.PLAYGROUND_INTENT === 'local' ? 'local' : 'fake-openai';

const normalise = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

interface PromptIntent {
  id: string;
  description: string;
  examples?: string[];
}

/** The intents listed in the system prompt, one JSON object per line. */
function intentsOf(system: string): PromptIntent[] {
  return system.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      const parsed = JSON.parse(line) as PromptIntent;
      return typeof parsed.id === 'string' ? [parsed] : [];
    } catch {
      return [];
    }
  });
}

/** A model that matches a text equal to an intent's description or one of its examples, else no match. */
export function obviousIntent(system: string, userContent: string): string | null {
  const text = normalise((JSON.parse(userContent) as { message: string }).message);
  const hit = intentsOf(system).find((intent) =>
    [intent.description, ...(intent.examples ?? [])].some((candidate) => normalise(candidate) === text),
  );
  return hit?.id ?? null;
}

export interface IntentBackend {
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startIntentBackend(): Promise<IntentBackend> {
  if (INTENT_MODE === 'local') return { env: { INTENT_PROVIDER: 'local' }, close: async () => {} };
  const fake = await FakeOpenAi.start();
  fake.respondWith((request) => {
    const [system, user] = request.body.messages;
    const intent = obviousIntent(system?.content ?? '', user?.content ?? '{"message":""}');
    return intent === null ? answer('(no match)', 0.9) : answer(intent, 0.95);
  });
  return {
    env: { INTENT_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test-playground', OPENAI_BASE_URL: fake.baseURL },
    close: () => fake.close(),
  };
}
