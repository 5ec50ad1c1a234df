/** /api/conversations…: thin controllers over the history service. */
import type { Request, Response, Server } from 'restify';
import type { z } from 'zod';
import { CONVERSATION_PAGE } from '../../admin/conversation-history.ts';
import type { conversationResponse, conversationsResponse, userErasureResponse } from '../api-schemas.ts';
import { ApiError } from '../errors.ts';
import { sendJson } from '../respond.ts';
import type { RouteContext } from './context.ts';

const KNOWN_QUERY = new Set(['limit', 'cursor']);

/** `limit` (bounds and default: CONVERSATION_PAGE) and `cursor`, each at most once; anything else is BAD_REQUEST. */
export function parsePageQuery(search: URLSearchParams): { limit: number; cursor?: string } {
  for (const key of new Set(search.keys())) {
    if (!KNOWN_QUERY.has(key)) throw new ApiError('BAD_REQUEST', `unknown query parameter "${key}"`);
    if (search.getAll(key).length > 1) throw new ApiError('BAD_REQUEST', `"${key}" is given more than once`);
  }
  const rawLimit = search.get('limit');
  let limit: number = CONVERSATION_PAGE.default;
  if (rawLimit !== null) {
    limit = /^[0-9]{1,4}$/.test(rawLimit) ? Number(rawLimit) : Number.NaN;
    if (!(limit >= CONVERSATION_PAGE.min && limit <= CONVERSATION_PAGE.max)) {
      throw new ApiError(
        'BAD_REQUEST',
        `limit must be a whole number from ${CONVERSATION_PAGE.min} to ${CONVERSATION_PAGE.max}`,
      );
    }
  }
  const cursor = search.get('cursor');
  if (cursor === '') throw new ApiError('BAD_REQUEST', 'cursor must not be empty');
  return cursor === null ? { limit } : { limit, cursor };
}

export function registerConversationRoutes(server: Server, ctx: RouteContext): void {
  const { history, requireAdmin } = ctx;

  server.get(
    '/api/conversations',
    requireAdmin,
    async function listConversations(req: Request, res: Response) {
      const page = await history.list(parsePageQuery(req.getUrl().searchParams));
      if (!page.ok)
        throw new ApiError('BAD_REQUEST', 'cursor is not valid (use nextCursor from a previous page)');
      const answer: z.infer<typeof conversationsResponse> = {
        conversations: page.conversations,
        nextCursor: page.nextCursor,
      };
      sendJson(res, 200, answer);
    },
  );

  server.get(
    '/api/conversations/:id',
    requireAdmin,
    async function getConversation(req: Request, res: Response) {
      const id = req.params.id ?? '';
      const conversation = await history.get(id);
      if (conversation === null) throw new ApiError('NOT_FOUND', 'no such conversation');
      const answer: z.infer<typeof conversationResponse> = conversation;
      sendJson(res, 200, answer);
    },
  );

  // Scope: history:delete (to be attached once admin scopes exist; today the admin token suffices).
  server.del(
    '/api/conversations/:id',
    requireAdmin,
    async function deleteConversation(req: Request, res: Response) {
      const deleted = await history.delete(req.params.id ?? '');
      if (!deleted) throw new ApiError('NOT_FOUND', 'no such conversation');
      res.sendRaw(204, '');
    },
  );

  // Scope: history:delete. A GDPR erasure request: every conversation stored with this signed user id.
  server.del(
    '/api/users/:userId/conversations',
    requireAdmin,
    async function eraseUserConversations(req: Request, res: Response) {
      const deletedConversations = await history.deleteUser(req.params.userId ?? '');
      const answer: z.infer<typeof userErasureResponse> = { deletedConversations };
      sendJson(res, 200, answer);
    },
  );
}
