/**
 * Chatflow as the bench runs it: the real server (startServer, as `npm start` does), configured by the
 * environment the bench gives, in a child process of its own. BENCH_GROUP_COMMIT=0 turns the SQLite
 * group commit off (for the with/without comparison).
 */
import { loadConfig } from '../../src/config.ts';
import { startServer } from '../../src/main.ts';
import { serveStats } from './child-protocol.ts';

const config = loadConfig(process.env);
const server = await startServer(config, { groupCommit: process.env.BENCH_GROUP_COMMIT !== '0' });
serveStats({ type: 'ready', url: server.url, adminToken: server.adminToken });
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
