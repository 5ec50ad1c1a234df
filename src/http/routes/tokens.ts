/**
 * /api/tokens: named, scoped admin tokens (the ADMIN_TOKEN only: a scoped token cannot mint others),
 * and /api/audit: the audit log (scope `audit:read`). A token's secret is shown once, in the answer to
 * its creation; the store keeps its SHA-256 only.
 */
import { randomBytes } from 'node:crypto';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { hashToken } from '../../conversation/tokens.ts';
import { InvalidCursorError } from '../../store/store.ts';
import { ADMIN_ACTOR, SCOPES } from '../admin-auth.ts';
import type {
  auditResponse,
  tokenCreatedResponse,
  tokenRevokedResponse,
  tokensResponse,
} from '../api-schemas.ts';
import { readJsonBody } from '../body.ts';
import { ApiError } from '../errors.ts';
import { sendJson } from '../respond.ts';
import type { RouteContext } from './context.ts';
import { parsePageQuery } from './conversations.ts';

/** Letters, digits, `.`, `_`, `-`; starts with a letter or digit; at most 64 characters. */
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Prefix of a named token's secret, so secret scanners and people can tell what it is. */
export const NAMED_TOKEN_PREFIX = 'cft_';

const createBody = z.strictObject({
  name: z
    .string()
    .regex(TOKEN_NAME, 'letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64')
    .refine((name) => name !== ADMIN_ACTOR, `"${ADMIN_ACTOR}" is the ADMIN_TOKEN's name`),
  scopes: z
    .array(z.enum(SCOPES))
    .min(1)
    .refine((scopes) => new Set(scopes).size === scopes.length, 'a scope is listed twice'),
});

export const newNamedToken = (): string => `${NAMED_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;

export function registerTokenRoutes(server: Server, ctx: RouteContext): void {
  const { auth, store } = ctx;
  const adminOnly = auth.requireScope('admin');

  server.post('/api/tokens', adminOnly, async function createToken(req: Request, res: Response) {
    const body = await readJsonBody(req, res, ctx.maxBodyBytes);
    const parsed = createBody.safeParse(body.value);
    if (!parsed.success) {
      throw new ApiError('BAD_REQUEST', 'expected {"name": string, "scopes": [scope, ...]}', {
        details: parsed.error.issues.map((issue) => ({
          path: `/${issue.path.join('/')}`,
          message: issue.message,
        })),
      });
    }
    const { name, scopes } = parsed.data;
    const token = newNamedToken();
    const createdAt = new Date().toISOString();
    const created = await store.createAdminToken({ name, scopes, createdAt, tokenHash: hashToken(token) });
    if (!created) throw new ApiError('TOKEN_EXISTS', `a token named "${name}" already exists`);
    await auth.audit(req, 'token.create', name);
    const answer: z.infer<typeof tokenCreatedResponse> = { name, scopes, createdAt, token };
    sendJson(res, 201, answer, { 'Cache-Control': 'no-store' });
  });

  server.get('/api/tokens', adminOnly, async function listTokens(_req: Request, res: Response) {
    const tokens = await store.listAdminTokens();
    const answer: z.infer<typeof tokensResponse> = {
      scopes: [...SCOPES],
      tokens: tokens.map(({ name, scopes, createdAt }) => ({ name, scopes, createdAt })),
    };
    sendJson(res, 200, answer);
  });

  server.del('/api/tokens/:name', adminOnly, async function revokeToken(req: Request, res: Response) {
    const name = req.params.name ?? '';
    const revoked = TOKEN_NAME.test(name) && (await store.revokeAdminToken(name));
    if (!revoked) throw new ApiError('NOT_FOUND', `no token named "${name.slice(0, 64)}"`);
    await auth.audit(req, 'token.revoke', name);
    const answer: z.infer<typeof tokenRevokedResponse> = { name, revoked: true };
    sendJson(res, 200, answer);
  });
}

export function registerAuditRoute(server: Server, ctx: RouteContext): void {
  server.get(
    '/api/audit',
    ctx.auth.requireScope('audit:read'),
    async function listAudit(req: Request, res: Response) {
      let page: Awaited<ReturnType<typeof ctx.store.listAudit>>;
      try {
        page = await ctx.store.listAudit(parsePageQuery(req.getUrl().searchParams));
      } catch (err) {
        if (err instanceof InvalidCursorError) {
          throw new ApiError('BAD_REQUEST', 'cursor is not valid (use nextCursor from a previous page)');
        }
        throw err;
      }
      const answer: z.infer<typeof auditResponse> = { entries: page.items, nextCursor: page.nextCursor };
      sendJson(res, 200, answer);
    },
  );
}
