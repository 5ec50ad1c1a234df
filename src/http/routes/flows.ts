/** /api/flow…: thin controllers over the flow service. */
import type { Request, Response, Server } from 'restify';
import type { z } from 'zod';
import type { activateResponse, uploadResponse, validateResponse } from '../api-schemas.ts';
import { readJsonBody } from '../body.ts';
import { ApiError } from '../errors.ts';
import { parseIfMatch, versionEtag } from '../etag.ts';
import { sendJson, sendRawJson } from '../respond.ts';
import type { RouteContext } from './context.ts';

const VERSION_PARAM = /^[1-9][0-9]{0,14}$/;

export function versionParam(req: Request): number {
  const raw = req.params.version ?? '';
  if (!VERSION_PARAM.test(raw)) throw new ApiError('BAD_REQUEST', 'the version must be a positive integer');
  return Number(raw);
}

export function conflict(current: number | null): ApiError {
  return new ApiError(
    'VERSION_CONFLICT',
    current === null ? 'there is no current flow version' : `the current flow version is ${current}`,
  );
}

/** The stored bytes, exactly as uploaded (`Cache-Control: no-store`, as every /api answer). */
function sendFlow(res: Response, raw: string, version: number): void {
  sendRawJson(res, 200, raw, { ETag: versionEtag(version) });
}

export function registerFlowRoutes(server: Server, ctx: RouteContext): void {
  const { flows, auth } = ctx;
  const read = auth.requireScope('flows:read');
  const write = auth.requireScope('flows:write');

  server.put('/api/flow', write, async function uploadFlow(req: Request, res: Response) {
    const ifMatch = parseIfMatch(req.headers['if-match']);
    const body = await readJsonBody(req, res, ctx.maxBodyBytes);
    const result = await flows.upload({
      raw: body.raw,
      document: body.value,
      ...(ifMatch === undefined ? {} : { ifMatch }),
    });
    if (!result.ok && result.reason === 'invalid') {
      throw new ApiError('INVALID_FLOW', `the flow has ${result.errors.length} problem(s)`, {
        details: result.errors,
      });
    }
    if (!result.ok && result.reason === 'too_large') {
      throw new ApiError('INTENT_MODELS_TOO_LARGE', result.message, { details: result.details });
    }
    if (!result.ok) throw conflict(result.current);
    await auth.audit(req, 'flow.upload', String(result.version));
    const answer: z.infer<typeof uploadResponse> = {
      version: result.version,
      createdAt: result.createdAt,
      warnings: result.warnings,
    };
    sendJson(res, 201, answer, { ETag: versionEtag(result.version), Location: '/api/flow' });
  });

  server.get('/api/flow', read, async function currentFlow(_req: Request, res: Response) {
    const current = await flows.current();
    if (current === null) throw new ApiError('NOT_FOUND', 'no flow has been uploaded yet');
    sendFlow(res, current.raw, current.version);
  });

  server.get('/api/flow/versions', read, async function listVersions(_req: Request, res: Response) {
    sendJson(res, 200, await flows.versions());
  });

  server.get('/api/flow/versions/:version', read, async function getVersion(req: Request, res: Response) {
    const version = versionParam(req);
    const record = await flows.version(version);
    if (record === null) throw new ApiError('NOT_FOUND', `flow version ${version} does not exist`);
    sendFlow(res, record.raw, record.version);
  });

  server.post(
    '/api/flow/versions/:version/activate',
    write,
    async function activateVersion(req: Request, res: Response) {
      const version = versionParam(req);
      const ifMatch = parseIfMatch(req.headers['if-match']);
      const result = await flows.activate(version, ifMatch);
      if (!result.ok && result.reason === 'not_found') {
        throw new ApiError('NOT_FOUND', `flow version ${version} does not exist`);
      }
      if (!result.ok) throw conflict(result.current);
      await auth.audit(req, 'flow.activate', String(version));
      const answer: z.infer<typeof activateResponse> = { version, current: true };
      sendJson(res, 200, answer, { ETag: versionEtag(version) });
    },
  );

  server.post('/api/flow/validate', read, async function validate(req: Request, res: Response) {
    const body = await readJsonBody(req, res, ctx.maxBodyBytes);
    const { flow, ...report } = flows.validate(body.value);
    const tests = flow === undefined ? undefined : await ctx.flowTests.check(flow);
    await auth.audit(req, 'flow.validate');
    const answer: z.infer<typeof validateResponse> = { ...report, ...(tests ? { tests } : {}) };
    sendJson(res, 200, answer);
  });
}
