/** What the route modules need; built once by createHttpServer. */
import type { RequestHandler } from 'restify';
import type { HistoryService } from '../../admin/conversation-history.ts';
import type { FlowService } from '../../admin/flow-versions.ts';
import type { Store } from '../../store/store.ts';

export interface RouteContext {
  flows: FlowService;
  history: HistoryService;
  store: Store;
  maxBodyBytes: number;
  /** First handler of every /api route. */
  requireAdmin: RequestHandler;
}
