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
  const { history, auth } = ctx;
  const read = auth.requireScope('history:read');

  server.get('/api/conversations', read, async function listConversations(req: Request, res: Response) {
    const page = await history.list(parsePageQuery(req.getUrl().searchParams));
    if (!page.ok)
      throw new ApiError('BAD_REQUEST', 'cursor is not valid (use nextCursor from a previous page)');
    await auth.audit(req, 'history.list');
    const answer: z.infer<typeof conversationsResponse> = {
      conversations: page.conversations,
      nextCursor: page.nextCursor,
    };
    sendJson(res, 200, answer);
  });

  server.get('/api/conversations/:id', read, async function getConversation(req: Request, res: Response) {
    const id = req.params.id ?? '';
    const conversation = await history.get(id);
    if (conversation === null) throw new ApiError('NOT_FOUND', 'no such conversation');
    await auth.audit(req, 'history.read', id);
    const answer: z.infer<typeof conversationResponse> = conversation;
    sendJson(res, 200, answer);
  });

  const erase = auth.requireScope('history:delete');

  server.del('/api/conversations/:id', erase, async function deleteConversation(req: Request, res: Response) {
    const id = req.params.id ?? '';
    const deleted = await history.delete(id);
    if (!deleted) throw new ApiError('NOT_FOUND', 'no such conversation');
    await auth.audit(req, 'history.delete', id);
    res.sendRaw(204, '');
  });

  // A GDPR erasure request: every conversation stored with this signed user id.
  server.del(
    '/api/users/:userId/conversations',
    erase,
    async function eraseUserConversations(req: Request, res: Response) {
      const userId = req.params.userId ?? '';
      const deletedConversations = await history.deleteUser(userId);
      await auth.audit(req, 'history.delete_user', userId);
      const answer: z.infer<typeof userErasureResponse> = { deletedConversations };
      sendJson(res, 200, answer);
    },
  );
}
