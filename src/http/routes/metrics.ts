/** GET /metrics: the Prometheus text format; behind `Authorization: Bearer $METRICS_TOKEN` when it is set. */
import type { Next, Request, Response, Server } from 'restify';
import type { AdminAuth } from '../admin-auth.ts';

export interface MetricsEndpoint {
  contentType: string;
  render(): Promise<string>;
  /** METRICS_TOKEN; undefined: the endpoint is open. */
  token: string | undefined;
}

/** With METRICS_TOKEN set: that token, the ADMIN_TOKEN or a token with the `metrics` scope. */
export function registerMetricsRoute(server: Server, metrics: MetricsEndpoint, auth: AdminAuth): void {
  const open = (_req: Request, _res: Response, next: Next) => next();
  const guard =
    metrics.token === undefined ? open : auth.requireScope('metrics', { alsoAccept: metrics.token });
  server.get('/metrics', guard, async function metricsText(_req: Request, res: Response) {
    const body = await metrics.render();
    res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' });
    res.end(body);
  });
}
