/**
 * `npm run bench` (or `chatflow bench`): Chatflow against a bare `ws` echo server on the same machine,
 * in the same run, driven by the same load generator; prints one Markdown report. Every server is a
 * child process on 127.0.0.1; SQLite lives in a temporary directory; PostgreSQL scenarios run when
 * DATABASE_URL is set (use a scratch database: the bench writes conversations into it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { echoProtocol, runBaselines } from './baselines.ts';
import { type Child, startChild } from './children.ts';
import { INTENT_FAILED_TEXT, intentFlow, intentMessage, plumbingFlow, trainingFlow } from './flows.ts';
import { closeClients, type Protocol } from './generator.ts';
import { connectSpread, drive, idleConnections, SIZES, type Size } from './measure.ts';
import { type IdleRow, type LoadRow, renderReport, type TrainingRow } from './report.ts';
import { LLM_CLIENTS } from './targets.ts';

export const SCENARIO_NAMES = [
  'echo',
  'plumbing',
  'plumbing-worker',
  'plumbing-no-group-commit',
  'intent-offline',
  'intent-llm',
  'llm-client',
  'idle',
  'training',
  'postgres',
];

export interface BenchOptions {
  quick: boolean;
  /** Scenario names to run (both echo baselines always run); default all. */
  only?: string[];
  databaseUrl?: string | undefined;
  log: (line: string) => void;
}

const ADMIN_TOKEN = 'bench-admin-token-0123456789';

const TRAINING = { intents: 75, perIntent: 200 };
const LLM_DELAY_MS = 200;

const chatProtocol = (message: Protocol['message']): Protocol => ({
  readyOnOpen: false,
  isReady: (frame) => frame.startsWith('{"type":"waiting"'),
  isReply: (frame) => frame.startsWith('{"type":"waiting"') || frame.startsWith('{"type":"end"'),
  isError: (frame) => frame.startsWith('{"type":"error"'),
  message,
});
const plumbingProtocol = chatProtocol(echoProtocol.message);
/** A turn whose classification failed (timeout, HTTP error…) takes the flow's `onError` path: an error. */
const intentProtocol: Protocol = {
  ...chatProtocol(intentMessage),
  isFailure: (frame) => frame.includes(INTENT_FAILED_TEXT),
};

async function uploadFlow(server: Child, flow: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${server.url}/api/flow`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: flow,
  });
  const elapsed = performance.now() - started;
  if (response.status !== 201)
    throw new Error(`flow upload refused: ${response.status} ${await response.text()}`);
  return elapsed;
}

interface ChatflowOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  groupCommit?: boolean;
  env?: Record<string, string>;
}

function startChatflow(options: ChatflowOptions): Promise<Child> {
  return startChild('chatflow-server', {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: options.dataDir,
    ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    WS_RATE_PER_SEC: '0',
    // Every client runs on 127.0.0.1: one address, so no per-address limit either.
    WS_MAX_CONNECTIONS_PER_ADDRESS: '0',
    WS_HANDSHAKES_PER_MINUTE: '0',
    WS_ADDRESS_RATE_PER_SEC: '0',
    WS_MAX_CONNECTIONS: '50000',
    INTENT_PROVIDER: 'local',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.groupCommit === false ? { BENCH_GROUP_COMMIT: '0' } : {}),
    ...options.env,
  });
}

async function loadScenario(
  label: string,
  chatflow: ChatflowOptions[],
  flow: string,
  protocol: Protocol,
  size: Size,
  modes: { clients: number; closed: boolean; pacedRate?: number },
  extra: Child[] = [],
): Promise<LoadRow[]> {
  const servers: Child[] = [];
  try {
    for (const options of chatflow) servers.push(await startChatflow(options));
    await uploadFlow(servers[0] as Child, flow);
    const clients = await connectSpread(servers, modes.clients, protocol);
    try {
      return await drive(label, servers, clients, protocol, size, modes);
    } finally {
      await closeClients(clients);
    }
  } finally {
    await Promise.all([...servers, ...extra].map((s) => s.stop()));
  }
}

/** The LLM scenario: `size.llmClients` conversations, every message classified by the fake LLM. */
async function llmScenario(label: string, size: Size, dataDir: string, env: Record<string, string> = {}) {
  const llm = await startChild('fake-llm', { BENCH_LLM_DELAY_MS: String(LLM_DELAY_MS) });
  return loadScenario(
    label,
    [
      {
        dataDir,
        env: { INTENT_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: llm.url, ...env },
      },
    ],
    intentFlow('openai'),
    intentProtocol,
    size,
    { clients: size.llmClients, closed: true },
    [llm],
  );
}

export async function runBench(options: BenchOptions): Promise<string> {
  const size = options.quick ? SIZES.quick : SIZES.full;
  const wanted = (name: string) => !options.only || options.only.includes(name);
  const log = options.log;
  const dataRoot = await mkdtemp(join(tmpdir(), 'chatflow-bench-'));
  let dirs = 0;
  const dataDir = () => join(dataRoot, `run-${++dirs}`);
  const rows: LoadRow[] = [];
  const idle: IdleRow[] = [];
  const training: TrainingRow[] = [];
  const started = performance.now();
  try {
    const baselines = await runBaselines(
      size,
      {
        ...(wanted('intent-llm') || wanted('llm-client') ? { llmClients: size.llmClients } : {}),
        idle: wanted('idle'),
      },
      dataDir(),
      log,
    );
    rows.push(...baselines.rows);
    idle.push(...baselines.idle);

    if (wanted('plumbing')) {
      log('plumbing turns (SQLite, group commit)…');
      rows.push(
        ...(await loadScenario(
          'plumbing, SQLite',
          [{ dataDir: dataDir() }],
          plumbingFlow(),
          plumbingProtocol,
          size,
          {
            clients: size.clients,
            closed: true,
            pacedRate: size.pacedRate,
          },
        )),
      );
    }
    if (wanted('plumbing-worker')) {
      log('plumbing turns (SQLite connection in a worker thread)…');
      rows.push(
        ...(await loadScenario(
          'plumbing, SQLite, worker thread',
          [{ dataDir: dataDir(), env: { SQLITE_WORKER: '1' } }],
          plumbingFlow(),
          plumbingProtocol,
          size,
          { clients: size.clients, closed: true, pacedRate: size.pacedRate },
        )),
      );
    }
    if (wanted('plumbing-no-group-commit')) {
      log('plumbing turns (SQLite, one transaction per write)…');
      rows.push(
        ...(await loadScenario(
          'plumbing, SQLite, no group commit',
          [{ dataDir: dataDir(), groupCommit: false }],
          plumbingFlow(),
          plumbingProtocol,
          size,
          { clients: size.clients, closed: true, pacedRate: size.pacedRate },
        )),
      );
    }
    if (wanted('intent-offline')) {
      log('intent turns, offline classifier…');
      rows.push(
        ...(await loadScenario(
          'intent, offline',
          [{ dataDir: dataDir() }],
          intentFlow('local'),
          intentProtocol,
          size,
          {
            clients: size.clients,
            closed: true,
            pacedRate: size.pacedRate,
          },
        )),
      );
    }
    if (wanted('intent-llm')) {
      log(`intent turns, fake LLM answering in ${LLM_DELAY_MS} ms, ${size.llmClients} conversations…`);
      rows.push(...(await llmScenario(`intent, LLM ${LLM_DELAY_MS} ms`, size, dataDir())));
    }
    if (wanted('llm-client')) {
      for (const [client, label] of Object.entries(LLM_CLIENTS)) {
        log(`LLM turns without the router, ${label}…`);
        rows.push(...(await llmScenario(label, size, dataDir(), { BENCH_LLM_CLIENT: client })));
      }
    }
    if (wanted('idle')) {
      log(`chatflow: ${size.idle} idle conversations…`);
      const server = await startChatflow({ dataDir: dataDir() });
      try {
        await uploadFlow(server, plumbingFlow());
        idle.push(await idleConnections('Chatflow (SQLite)', server, size.idle, plumbingProtocol));
      } finally {
        await server.stop();
      }
    }
    if (wanted('training')) {
      const examples = TRAINING.intents * TRAINING.perIntent;
      log(`training: uploading a flow with ${examples} examples…`);
      const server = await startChatflow({ dataDir: dataDir() });
      try {
        const flow = trainingFlow(TRAINING.intents, TRAINING.perIntent);
        const runs = [];
        for (let i = 0; i < 3; i += 1) runs.push(await uploadFlow(server, flow));
        training.push({
          intents: TRAINING.intents,
          examples,
          bytes: Buffer.byteLength(flow),
          uploadMs: runs,
        });
      } finally {
        await server.stop();
      }
    }
    if (wanted('postgres') && options.databaseUrl) {
      for (const instances of [1, 2]) {
        log(`plumbing turns, PostgreSQL, ${instances} instance(s)…`);
        rows.push(
          ...(await loadScenario(
            `plumbing, PostgreSQL, ${instances} instance${instances > 1 ? 's' : ''}`,
            Array.from({ length: instances }, () => ({
              dataDir: dataDir(),
              databaseUrl: options.databaseUrl,
            })),
            plumbingFlow(),
            plumbingProtocol,
            size,
            { clients: size.clients, closed: true, pacedRate: size.pacedRate },
          )),
        );
      }
    }
  } finally {
    await rm(dataRoot, { recursive: true, force: true });
  }
  return renderReport({
    rows,
    idle,
    training,
    quick: options.quick,
    seconds: (performance.now() - started) / 1_000,
    postgres: Boolean(options.databaseUrl),
  });
}
