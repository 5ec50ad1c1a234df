/**
 * The Restify server of the admin API. Returns the Restify server unstarted; its `server.server` is the
 * node:http server the WebSocket layer attaches to.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import restify, { type Request, type Response, type Server } from 'restify';
import { createHistoryService } from '../admin/conversation-history.ts';
import { createFlowTestsService } from '../admin/flow-tests.ts';
import type { FlowService } from '../admin/flow-versions.ts';
import type { Config } from '../config.ts';
import { flowJsonSchema } from '../flow/json-schema.ts';
import { testsJsonSchema } from '../flow-tests/json-schema.ts';
import type { Store } from '../store/store.ts';
import { createAdminAuth, isQuietRequest } from './admin-auth.ts';
import { clientAddressResolver } from './client-address.ts';
import { toApiError } from './errors.ts';
import { preGuards } from './guards.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { sendError } from './respond.ts';
import { registerConversationRoutes } from './routes/conversations.ts';
import { registerFlowTestsRoutes } from './routes/flow-tests.ts';
import { registerFlowRoutes } from './routes/flows.ts';
import { type MetricsEndpoint, registerMetricsRoute } from './routes/metrics.ts';
import { registerSystemRoutes } from './routes/system.ts';
import { registerAuditRoute, registerTokenRoutes } from './routes/tokens.ts';
import { DEFAULT_WEB_ROOT, loadWebBundle, registerStaticRoutes } from './static.ts';

export interface HttpServerOptions {
  config: Pick<Config, 'maxBodyBytes' | 'trustProxy' | 'adminAuthFailuresPerMin'>;
  store: Store;
  logger: Logger;
  adminToken: string;
  /** The flow versions (built by the composition root, which wires their activation hook). */
  flows: FlowService;
  /** Serves GET /metrics when given. */
  metrics?: MetricsEndpoint;
  /** The built playground (index.html and assets/); defaults to web/dist. */
  webRoot?: string;
  /**
   * Which routes: `everything` (the default), `public` (probes, the flow schema, the playground: what
   * PORT serves when ADMIN_PORT is set) or `admin` (probes, /api, /metrics, /openapi.json).
   */
  serves?: 'everything' | 'public' | 'admin';
}

/** Probes that orchestrators (Docker, Kubernetes, load balancers) send every few seconds. */
const PROBE_PATHS = new Set(['/health', '/ready']);

function logRequest(req: Request, res: Response): void {
  // Only the raw target and status: never headers (Authorization) nor bodies.
  const line = { method: req.method, url: req.url, status: res.statusCode };
  // Probes at debug: at info they would bury the requests that matter (a failed ping is warned anyway).
  const path = req.url?.split('?', 1)[0] ?? '';
  // Probes, and refused authentications already summed up by the auth layer (admin-auth.ts).
  if (PROBE_PATHS.has(path) || isQuietRequest(req)) req.log.debug(line, 'request done');
  else req.log.info(line, 'request done');
}

/**
 * Admin answers hold flows and transcripts: no cache (browser, proxy) may keep them, and no browser may
 * sniff them into something other than JSON.
 */
function apiHeaders(req: Request, res: Response, next: () => void): void {
  if (req.url === '/api' || req.url?.startsWith('/api/') || req.url?.startsWith('/api?')) {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
  }
  next();
}

function refuseUpgrade(_req: unknown, socket: Duplex): void {
  const body = JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no WebSocket on the admin port' } });
  socket.on('error', () => {});
  socket.end(
    `HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export function createHttpServer(options: HttpServerOptions): Server {
  const { logger, store } = options;
  // `Expect: 100-continue`: Restify would send 100 Continue before the guards run, inviting a body the
  // Content-Length guard then refuses. The 100 is sent by readBody, once a handler reads the body.
  const server = restify.createServer({ name: '', log: logger, strictNext: false, noWriteContinue: true });

  const clientAddressOf = clientAddressResolver(options.config.trustProxy);
  const auth = createAdminAuth({
    adminToken: options.adminToken,
    store,
    logger,
    clientAddressOf,
    failuresPerMinute: options.config.adminAuthFailuresPerMin,
  });
  const context = {
    flows: options.flows,
    flowTests: createFlowTestsService({ store }),
    history: createHistoryService({ store }),
    store,
    maxBodyBytes: options.config.maxBodyBytes,
    requireAdmin: auth.requireScope('admin'),
    auth,
    clientAddressOf,
  };

  server.pre(apiHeaders, ...preGuards({ logger, maxBodyBytes: options.config.maxBodyBytes }));
  const admin = options.serves !== 'public';
  registerSystemRoutes(server, context, {
    ...(admin ? { openapiJson: JSON.stringify(buildOpenApiDocument()) } : {}),
    flowSchemaJson: JSON.stringify(flowJsonSchema()),
    testsSchemaJson: JSON.stringify(testsJsonSchema()),
  });
  if (admin) {
    registerFlowRoutes(server, context);
    registerFlowTestsRoutes(server, context);
    registerConversationRoutes(server, context);
    registerTokenRoutes(server, context);
    registerAuditRoute(server, context);
    if (options.metrics) registerMetricsRoute(server, options.metrics, auth);
  }
  if (options.serves !== 'admin') {
    registerStaticRoutes(server, loadWebBundle(options.webRoot ?? DEFAULT_WEB_ROOT, logger));
  } else {
    // No chat here: an upgrade request would otherwise reach Restify, which leaves it hanging.
    server.server.on('upgrade', refuseUpgrade);
  }

  // Every error — thrown by our handlers or made by Restify's router — leaves in our error format.
  server.on('restifyError', (req, res, err, callback) => {
    const apiError = toApiError(err, res.getHeader('Allow')?.toString());
    if (apiError.code === 'INTERNAL') req.log.error({ err }, 'request failed');
    if (apiError.code === 'STORE_UNAVAILABLE') req.log.warn({ err }, 'request failed: store unavailable');
    sendError(req, res, apiError);
    callback();
  });
  server.on('after', logRequest);
  return server;
}
