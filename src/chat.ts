/** Wires the chat side: flow catalog → conversation runtime → WebSocket endpoint on the HTTP server. */
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { createFlowCatalog, type FlowCatalog } from './conversation/flow-catalog.ts';
import { ConversationRuntime } from './conversation/runtime.ts';
import type { IntentClassifier } from './intent/classifier.ts';
import type { Store } from './store/store.ts';
import { attachChatServer, type ChatServer } from './ws/server.ts';

export interface Chat {
  catalog: FlowCatalog;
  runtime: ConversationRuntime;
  server: ChatServer;
  /** A version was uploaded or activated. */
  onFlowActivated(version: number): Promise<void>;
  /** Waits for in-flight turns (up to `timeoutMs`), then closes every socket with 1001. */
  close(timeoutMs: number): Promise<void>;
}

export function startChat(options: {
  http: HttpServer;
  store: Store;
  config: Config;
  logger: Logger;
  classifier: IntentClassifier;
}): Chat {
  const { config, logger, store, classifier } = options;
  const catalog = createFlowCatalog({ store, classifier });
  const runtime = new ConversationRuntime({
    store,
    catalog,
    classifier,
    intentTimeoutMs: config.intent.timeoutMs,
    onError: (err, context) => logger.error({ err, ...context }, 'conversation error'),
  });
  const server = attachChatServer(options.http, {
    runtime,
    limits: config.ws,
    allowedOrigins: config.allowedOrigins,
    logger,
  });
  return {
    catalog,
    runtime,
    server,
    async onFlowActivated(version) {
      catalog.invalidate();
      // Compile and train now, so the first message on the new version does not pay for it.
      await catalog.version(version);
    },
    async close(timeoutMs) {
      const drained = await runtime.drain(timeoutMs);
      if (!drained) logger.warn('shutdown: some turns were still running when the timeout expired');
      await server.close();
    },
  };
}
