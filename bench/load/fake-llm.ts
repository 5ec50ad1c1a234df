/**
 * A minimal OpenAI-compatible chat.completions server answering after a fixed delay (BENCH_LLM_DELAY_MS,
 * default 200 ms), run as a child process: the intent is the first intent id of the request's JSON
 * schema whose name appears in the user's text, else "(no match)". Loopback only.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveStats } from './child-protocol.ts';

const delayMs = Number(process.env.BENCH_LLM_DELAY_MS ?? 200);

interface ChatRequest {
  messages?: { content?: string }[];
  response_format?: { json_schema?: { schema?: { properties?: { intent?: { enum?: string[] } } } } };
}

function completion(intent: string, confidence: number): string {
  return JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 0,
    model: 'bench',
    choices: [
      {
        index: 0,
        finish_reason: 'stop',
        message: { role: 'assistant', content: JSON.stringify({ intent, confidence }), refusal: null },
      },
    ],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
}

const http = createServer((req, res) => {
  req.on('error', () => {});
  res.on('error', () => {});
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let body: ChatRequest = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
    } catch {
      // An unparsable request gets "(no match)", like a model that understood nothing.
    }
    const text = (body.messages?.at(-1)?.content ?? '').toLowerCase();
    const intents = body.response_format?.json_schema?.schema?.properties?.intent?.enum ?? [];
    const intent = intents.find((id) => id !== '(no match)' && text.includes(id)) ?? '(no match)';
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(completion(intent, intent === '(no match)' ? 0.2 : 0.9));
    }, delayMs);
  });
});
http.keepAliveTimeout = 60_000;
http.listen(0, '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo;
  serveStats({ type: 'ready', url: `http://127.0.0.1:${port}/v1` });
});
