/**
 * What instances sharing one PostgreSQL tell each other, over LISTEN/NOTIFY (no polling loop):
 * - `chatflow_flow`: a version was uploaded or activated → drop the cached current-version pointer;
 * - `chatflow_takeover`: a conversation was resumed on another instance → close our socket with 4409.
 * A lost LISTEN connection may have missed messages, so on reconnect the flow pointer is dropped too
 * (takeovers need no replay: the fencing epoch refuses the old holder's next write anyway).
 */
import { randomUUID } from 'node:crypto';
import type { StoreNotifications } from '../store/store.ts';
import type { FlowCatalog } from './flow-catalog.ts';

export const CHANNELS = { flow: 'chatflow_flow', takeover: 'chatflow_takeover' } as const;

export interface Cluster {
  readonly instanceId: string;
  announceFlow(version: number): Promise<void>;
  announceTakeover(conversationId: string): Promise<void>;
  close(): Promise<void>;
}

export async function joinCluster(options: {
  notifications: StoreNotifications;
  catalog: FlowCatalog;
  evict: (conversationId: string) => void;
  onError: (err: unknown) => void;
}): Promise<Cluster> {
  const { notifications, catalog } = options;
  const instanceId = randomUUID();
  const unsubscribe = [
    await notifications.listen(
      CHANNELS.flow,
      () => catalog.invalidate(),
      () => catalog.invalidate(),
    ),
    await notifications.listen(CHANNELS.takeover, (payload) => {
      const [from, conversationId] = payload.split(' ', 2);
      if (from !== instanceId && conversationId) options.evict(conversationId);
    }),
  ];
  const notify = (channel: string, payload: string) =>
    notifications.notify(channel, payload).catch((err: unknown) => options.onError(err));
  return {
    instanceId,
    announceFlow: (version) => notify(CHANNELS.flow, String(version)),
    announceTakeover: (conversationId) => notify(CHANNELS.takeover, `${instanceId} ${conversationId}`),
    async close() {
      await Promise.all(unsubscribe.map((stop) => stop().catch(() => {})));
    },
  };
}
