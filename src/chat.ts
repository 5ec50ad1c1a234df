/** Wires the chat side: flow catalog → conversation runtime → WebSocket endpoint on the HTTP server. */
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { type Cluster, joinCluster } from './conversation/cluster.ts';
import { createFlowCatalog, type FlowCatalog } from './conversation/flow-catalog.ts';
import { Janitor } from './conversation/janitor.ts';
import type { ConversationObserver } from './conversation/observer.ts';
import { ConversationRuntime } from './conversation/runtime.ts';
import { clientAddressResolver } from './http/client-address.ts';
import type { IntentClassifier } from './intent/port.ts';
import type { Store } from './store/store.ts';
import { attachChatServer, type ChatServer } from './ws/server.ts';

export interface Chat {
  catalog: FlowCatalog;
  runtime: ConversationRuntime;
  server: ChatServer;
  /** Present on PostgreSQL: the instances sharing the database. */
  cluster: Cluster | undefined;
  /** Deletes expired conversations (UNANSWERED_TTL_MINUTES, RETENTION_DAYS) periodically. */
  janitor: Janitor;
  /** A version was uploaded or activated here: every instance drops its current-version pointer. */
  onFlowActivated(version: number): Promise<void>;
  /** Waits for in-flight turns (up to `timeoutMs`), then closes every socket with 1001. */
  close(timeoutMs: number): Promise<void>;
}

export async function startChat(options: {
  http: HttpServer;
  store: Store;
  config: Config;
  logger: Logger;
  classifier: IntentClassifier;
  observer?: ConversationObserver;
  /** How often the janitor sweeps (tests shorten it). */
  janitorIntervalMs?: number;
}): Promise<Chat> {
  const { config, logger, store, classifier } = options;
  const catalog = createFlowCatalog({ store, classifier });
  let cluster: Cluster | undefined;
  const runtime = new ConversationRuntime({
    store,
    catalog,
    classifier,
    intentTimeoutMs: config.intent.timeoutMs,
    onError: (err, context) => logger.error({ err, ...context }, 'conversation error'),
    onClaimed: (conversationId, epoch) => void cluster?.announceTakeover(conversationId, epoch),
    ...(options.observer ? { observer: options.observer } : {}),
  });
  if (store.notifications) {
    cluster = await joinCluster({
      notifications: store.notifications,
      catalog,
      superseded: (conversationId, epoch) => runtime.superseded(conversationId, epoch),
      onError: (err) => logger.warn({ err }, 'could not notify the other instances'),
    });
    logger.info({ instanceId: cluster.instanceId }, 'joined the cluster (PostgreSQL LISTEN/NOTIFY)');
  }
  const server = attachChatServer(options.http, {
    runtime,
    limits: config.ws,
    allowedOrigins: config.allowedOrigins,
    clientAddressOf: clientAddressResolver(config.trustProxy),
    logger,
    userSecret: config.chatUserSecret,
  });
  const janitor = new Janitor({
    store,
    ...config.retention,
    ...(options.janitorIntervalMs === undefined ? {} : { intervalMs: options.janitorIntervalMs }),
    onError: (err) => logger.warn({ err }, 'janitor: could not delete expired conversations'),
    onSwept: (deleted) => logger.info({ deleted }, 'janitor: deleted expired conversations'),
  });
  janitor.start();
  return {
    janitor,
    catalog,
    runtime,
    server,
    cluster,
    async onFlowActivated(version) {
      catalog.invalidate();
      await cluster?.announceFlow(version);
      // Compile and train now, so the first message on the new version does not pay for it.
      await catalog.version(version);
    },
    async close(timeoutMs) {
      await janitor.stop();
      const drained = await runtime.drain(timeoutMs);
      if (!drained) logger.warn('shutdown: some turns were still running when the timeout expired');
      await server.close();
      await cluster?.close();
    },
  };
}
