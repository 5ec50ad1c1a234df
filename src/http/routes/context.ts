/** What the route modules need; built once by createHttpServer. */
import type { RequestHandler } from 'restify';
import type { HistoryService } from '../../admin/conversation-history.ts';
import type { FlowTestsService } from '../../admin/flow-tests.ts';
import type { FlowService } from '../../admin/flow-versions.ts';
import type { Store } from '../../store/store.ts';
import type { AdminAuth } from '../admin-auth.ts';
import type { ClientAddressOf } from '../client-address.ts';

export interface RouteContext {
  flows: FlowService;
  /** The conversation tests stored with the flow versions. */
  flowTests: FlowTestsService;
  history: HistoryService;
  store: Store;
  maxBodyBytes: number;
  /** The bootstrap ADMIN_TOKEN only (every scope); prefer `auth.requireScope(scope)` for a route. */
  requireAdmin: RequestHandler;
  /** `auth.requireScope(scope)` is the first handler of every /api route; `auth.audit` records an action. */
  auth: AdminAuth;
  /** Wrong-token throttling and request ids need the client address (TRUST_PROXY applied). */
  clientAddressOf: ClientAddressOf;
}
