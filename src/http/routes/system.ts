/** Unauthenticated routes: probes and the machine-readable descriptions of the API. */
import type { Request, Response, Server } from 'restify';
import type { z } from 'zod';
import type { healthResponse, readyResponse } from '../api-schemas.ts';
import { sendJson, sendRawJson } from '../respond.ts';
import type { RouteContext } from './context.ts';

export interface Documents {
  /** Served at /openapi.json when given (the admin side: it maps the admin API). */
  openapiJson?: string;
  flowSchemaJson: string;
  testsSchemaJson: string;
}

export function registerSystemRoutes(server: Server, ctx: RouteContext, documents: Documents): void {
  server.get('/health', async function health(_req: Request, res: Response) {
    const answer: z.infer<typeof healthResponse> = { status: 'ok' };
    sendJson(res, 200, answer, { 'Cache-Control': 'no-store' });
  });

  server.get('/ready', async function ready(req: Request, res: Response) {
    let answer: z.infer<typeof readyResponse> = { status: 'ready', store: ctx.store.kind };
    try {
      await ctx.store.ping();
    } catch (err) {
      req.log.warn({ err }, 'store ping failed');
      answer = { status: 'unavailable', store: ctx.store.kind };
    }
    sendJson(res, answer.status === 'ready' ? 200 : 503, answer, { 'Cache-Control': 'no-store' });
  });

  const { openapiJson } = documents;
  if (openapiJson !== undefined) {
    server.get('/openapi.json', async function openapi(_req: Request, res: Response) {
      sendRawJson(res, 200, openapiJson);
    });
  }

  server.get('/schemas/flow.json', async function flowSchema(_req: Request, res: Response) {
    sendRawJson(res, 200, documents.flowSchemaJson);
  });

  server.get('/schemas/flow-tests.json', async function testsSchema(_req: Request, res: Response) {
    sendRawJson(res, 200, documents.testsSchemaJson);
  });
}
