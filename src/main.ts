/**
 * The composition root: configuration → logger → store → HTTP server → listen, and a graceful shutdown
 * on SIGTERM/SIGINT. `startServer` is what the tests use in-process; running this file starts the product.
 */
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Server } from 'restify';
import { createFlowService } from './admin/flow-versions.ts';
import { intentModelCapacity } from './admin/intent-model-capacity.ts';
import { intentThresholdNotes } from './admin/intent-thresholds.ts';
import { type Chat, startChat } from './chat.ts';
import { type Config, ConfigError, EX_CONFIG, loadConfig } from './config.ts';
import { DEFAULT_FLOW_PATH, readDefaultFlow } from './default-flow.ts';
import { type ResolvedAdminToken, resolveAdminToken } from './http/admin-token.ts';
import { applyHttpLimits } from './http/connection-limits.ts';
import { createHttpServer } from './http/server.ts';
import type { IntentClassifier } from './intent/port.ts';
import type { IntentRouterStats } from './intent/router.ts';
import { createIntentStack } from './intent/router-factory.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics/metrics.ts';
import { secureDataDir } from './store/file-modes.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/store.ts';

export interface StartOptions {
  /** Defaults to a JSON logger on stdout at `config.logLevel`. */
  logger?: Logger;
  onFlowActivated?: (version: number) => void | Promise<void>;
  /** Defaults to examples/travel.json. */
  defaultFlowPath?: string;
  /** Defaults to the classifier INTENT_PROVIDER selects. */
  classifier?: IntentClassifier;
  /** SQLite group commit (default on); the bench turns it off to measure what it brings. */
  groupCommit?: boolean;
  /** The built playground; defaults to web/dist. */
  webRoot?: string;
  /** How often the janitor deletes expired conversations (default 60 s; tests shorten it). */
  janitorIntervalMs?: number;
  /**
   * Print a generated admin token into the log (main() passes whether stdout is a terminal). Off by
   * default: a log shipped elsewhere is read by others; the log then names the file and `chatflow token`.
   */
  showGeneratedToken?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Where /api, /metrics and /openapi.json are served: `url`, or the ADMIN_PORT listener's URL. */
  adminUrl: string;
  adminToken: string;
  /** The Restify server; `restify.server` is the node:http server (for the WebSocket layer). */
  restify: Server;
  store: Store;
  logger: Logger;
  chat: Chat;
  /** Stops accepting, lets in-flight requests finish (up to SHUTDOWN_TIMEOUT_MS), closes the store. */
  close(): Promise<void>;
}

function announceToken(logger: Logger, admin: ResolvedAdminToken, show: boolean): void {
  if (admin.source === 'generated' && show) {
    // Printed only to a terminal, on purpose: the operator at it needs the token to use the admin API.
    logger.warn(
      { adminTokenFile: admin.path },
      `ADMIN_TOKEN is not set: generated an admin token and saved it to ${admin.path}. ` +
        `Use "Authorization: Bearer ${admin.token}" for /api requests. This is the only time it is printed.`,
    );
  } else if (admin.source === 'generated') {
    // Not a terminal: this log may be collected and read by others, so it gets where the token is, not the token.
    logger.warn(
      { adminTokenFile: admin.path },
      `ADMIN_TOKEN is not set: generated an admin token and saved it to ${admin.path}. ` +
        `Print it with "chatflow token" (same DATA_DIR; in Docker: docker compose exec chatflow chatflow token).`,
    );
  } else if (admin.source === 'file') {
    logger.info(
      { adminTokenFile: admin.path },
      `admin token read from ${admin.path} (ADMIN_TOKEN is not set)`,
    );
  } else {
    logger.info('admin token taken from ADMIN_TOKEN');
  }
}

function listen(http: HttpServer, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    http.once('error', onError);
    http.listen(port, host, () => {
      http.off('error', onError);
      resolve(http.address() as AddressInfo);
    });
  });
}

/** How often idle keep-alive connections are closed while in-flight requests finish. */
const IDLE_SWEEP_MS = 25;

/** Closes the listener, waits for in-flight requests, forces the rest after `timeoutMs`. */
function closeHttp(http: HttpServer, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    // A connection whose request just finished goes idle; close it at once instead of at keep-alive expiry.
    const sweep = setInterval(() => http.closeIdleConnections(), IDLE_SWEEP_MS);
    const force = setTimeout(() => http.closeAllConnections(), timeoutMs);
    http.close(() => {
      clearInterval(sweep);
      clearTimeout(force);
      resolve();
    });
    http.closeIdleConnections();
  });
}

/** The intent router (the default classifier) has counters for the metrics; a test's classifier may not. */
function hasStats(
  classifier: IntentClassifier,
): classifier is IntentClassifier & { stats(): IntentRouterStats } {
  return typeof (classifier as { stats?: unknown }).stats === 'function';
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const dataDir = await secureDataDir(config.dataDir);
  if (dataDir.warning) logger.warn({ dataDir: config.dataDir }, dataDir.warning);
  const admin = await resolveAdminToken({ configured: config.adminToken, dataDir: config.dataDir });
  announceToken(logger, admin, options.showGeneratedToken ?? false);

  const store = await openStore({
    dataDir: config.dataDir,
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    sqliteWorker: config.sqliteWorker,
    onConnectionError: (err) => logger.warn({ err }, 'database connection error'),
    ...(options.groupCommit === undefined ? {} : { groupCommit: options.groupCommit }),
  });
  try {
    let chat: Chat | undefined;
    let intents: IntentClassifier | undefined;
    const flows = createFlowService({
      store,
      onFlowActivated: async (version) => {
        await chat?.onFlowActivated(version);
        await options.onFlowActivated?.(version);
      },
      onHookError: (err, version) => logger.error({ err, version }, 'onFlowActivated failed'),
      capacity: intentModelCapacity(config.intentModelCacheBytes),
      uploadNotes: (flow, version) => intentThresholdNotes(flow, version, intents, config.intent.provider),
    });
    const defaultFlowPath = options.defaultFlowPath ?? DEFAULT_FLOW_PATH;
    const defaultFlow = await readDefaultFlow(defaultFlowPath);
    if (defaultFlow === null) {
      logger.warn({ path: defaultFlowPath }, 'the built-in example flow is missing; no flow installed');
    } else {
      const installed = await flows.installDefault(defaultFlow);
      if (installed !== null) logger.info({ version: installed }, 'installed the built-in example flow');
    }

    const metrics = createMetrics();
    const httpServer = (serves: 'everything' | 'public' | 'admin') => {
      const server = createHttpServer({
        config,
        store,
        logger,
        adminToken: admin.token,
        flows,
        metrics: { ...metrics, token: config.metricsToken },
        ...(options.webRoot ? { webRoot: options.webRoot } : {}),
        serves,
      });
      server.on('error', (err) => logger.error({ err }, 'HTTP server error'));
      applyHttpLimits(server.server, config.http, logger);
      return server;
    };
    // ADMIN_PORT: the admin API on a listener of its own, which the public port does not serve.
    const restify = httpServer(config.adminPort === undefined ? 'everything' : 'public');
    const adminRestify = config.adminPort === undefined ? undefined : httpServer('admin');
    const classifier = options.classifier ?? createIntentStack(config, logger);
    intents = classifier;
    chat = await startChat({
      http: restify.server,
      store,
      config,
      logger,
      classifier,
      observer: metrics.observer,
      ...(options.janitorIntervalMs === undefined ? {} : { janitorIntervalMs: options.janitorIntervalMs }),
    });
    const running = chat;
    metrics.setSources({
      connections: () => running.server.connections,
      liveConversations: () => running.runtime.liveCount,
      ...(hasStats(classifier) ? { intentStats: () => classifier.stats() } : {}),
    });
    const address = await listen(restify.server, config.port, config.host);
    const url = urlOf(address);
    logger.info({ url, store: store.kind }, `Chatflow listening on ${url}`);
    let adminUrl = url;
    if (adminRestify && config.adminPort !== undefined) {
      try {
        adminUrl = urlOf(await listen(adminRestify.server, config.adminPort, config.host));
      } catch (err) {
        await closeHttp(restify.server, 0);
        throw err;
      }
      logger.info({ adminUrl }, `admin API (/api, /metrics, /openapi.json) listening on ${adminUrl}`);
    }

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        const http = closeHttp(restify.server, config.shutdownTimeoutMs);
        const adminHttp = adminRestify && closeHttp(adminRestify.server, config.shutdownTimeoutMs);
        await chat.close(config.shutdownTimeoutMs);
        await http;
        await adminHttp;
        await store.close();
      })();
      return closing;
    };
    return {
      url,
      port: address.port,
      adminUrl,
      adminToken: admin.token,
      restify,
      store,
      logger,
      chat,
      close,
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

export interface MainOptions {
  /** Whether stdout is a terminal (a generated admin token is printed only then); injectable for tests. */
  stdoutIsTerminal?: boolean;
}

/** The process entry point (also `chatflow serve`): exit 78 on bad configuration, 0 after a graceful shutdown. */
export async function main(options: MainOptions = {}): Promise<void> {
  const showGeneratedToken = options.stdoutIsTerminal ?? process.stdout.isTTY === true;
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`chatflow: ${err.message}\n`);
    process.exit(EX_CONFIG);
  }
  const logger = createLogger(config.logLevel);
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(1);
  });

  // Listen for signals before starting: one that arrives during startup stops the server once it is up,
  // instead of killing the process half-way (the default action).
  let stopping: NodeJS.Signals | undefined;
  let running: RunningServer | undefined;
  const stop = (server: RunningServer) =>
    server.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = signal;
    logger.info({ signal }, 'shutting down');
    if (running) void stop(running);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  try {
    running = await startServer(config, { logger, showGeneratedToken });
  } catch (err) {
    logger.fatal({ err }, 'could not start');
    process.exit(1);
  }
  if (stopping) void stop(running);
}

if (import.meta.main) await main();
