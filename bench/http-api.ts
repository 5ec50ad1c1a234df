/**
 * Admin API figures on loopback, real server, temporary DATA_DIR:
 *  - PUT /api/flow of a ~1 MB flow (15,000 intent examples): validate + store + 201;
 *  - GET /api/flow/versions with 10 concurrent keep-alive clients.
 * Run: `npx node bench/http-api.ts [uploads] [gets]`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/main.ts';
import { bigFlowText } from '../test/support/flow-texts.ts';

const uploads = Number(process.argv[2] ?? 20);
const gets = Number(process.argv[3] ?? 5_000);
const CONCURRENCY = 10;
const TOKEN = 'bench-admin-token-0123456789';

const dataDir = await mkdtemp(join(tmpdir(), 'chatflow-bench-http-'));
const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  DATA_DIR: dataDir,
  ADMIN_TOKEN: TOKEN,
  LOG_LEVEL: 'silent',
});
const server = await startServer(config, { defaultFlowPath: join(dataDir, 'none.json') });
const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

try {
  const big = bigFlowText(15_000);
  const latencies: number[] = [];
  for (let i = 0; i < uploads; i++) {
    const start = performance.now();
    const response = await fetch(`${server.url}/api/flow`, { method: 'PUT', headers, body: big });
    await response.text();
    if (response.status !== 201) throw new Error(`upload ${i}: ${response.status}`);
    latencies.push(performance.now() - start);
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `PUT /api/flow ${(Buffer.byteLength(big) / 1e6).toFixed(2)} MB × ${uploads}: ` +
      `median ${percentile(latencies, 0.5)?.toFixed(1)} ms, p95 ${percentile(latencies, 0.95)?.toFixed(1)} ms`,
  );

  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < gets) {
        const response = await fetch(`${server.url}/api/flow/versions`, { headers });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`GET: ${response.status}`);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `GET /api/flow/versions (${uploads} versions) × ${gets}, ${CONCURRENCY} clients: ${(gets / seconds).toFixed(0)} req/s`,
  );
} finally {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
}
