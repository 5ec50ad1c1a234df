/**
 * The server `npm run bench:soak` measures: the real `startServer` (as `npm start` runs it), configured
 * by the environment the soak gives, in a child process of its own.
 */
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/main.ts';
import { serveMemory } from './soak-memory.ts';

const server = await startServer(loadConfig(process.env));
serveMemory(
  server.url,
  {
    connections: () => server.chat.server.connections,
    liveConversations: () => server.chat.runtime.liveCount,
  },
  () => server.close(),
);
