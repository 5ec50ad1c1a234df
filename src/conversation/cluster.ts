/**
 * What instances sharing one PostgreSQL tell each other, over LISTEN/NOTIFY (no polling loop):
 * - `chatflow_flow`: a version was uploaded or activated → drop the cached current-version pointer;
 * - `chatflow_takeover`: a conversation was claimed on another instance, with the epoch of that claim →
 *   let go of it (its channel is told it was taken over) if what we hold is older. Comparing epochs
 *   matters: two resumes racing on two instances each announce their claim, and the older announcement
 *   must not evict the newer holder.
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
  announceTakeover(conversationId: string, epoch: number): Promise<void>;
  close(): Promise<void>;
}

export async function joinCluster(options: {
  notifications: StoreNotifications;
  catalog: FlowCatalog;
  /** Another instance claimed `conversationId` with `epoch`: let go of any older claim held here. */
  superseded: (conversationId: string, epoch: number) => void;
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
      const [from, conversationId, epoch] = payload.split(' ', 3);
      const claimed = Number(epoch);
      if (from !== instanceId && conversationId && Number.isSafeInteger(claimed)) {
        options.superseded(conversationId, claimed);
      }
    }),
  ];
  const notify = (channel: string, payload: string) =>
    notifications.notify(channel, payload).catch((err: unknown) => options.onError(err));
  return {
    instanceId,
    announceFlow: (version) => notify(CHANNELS.flow, String(version)),
    announceTakeover: (conversationId, epoch) =>
      notify(CHANNELS.takeover, `${instanceId} ${conversationId} ${epoch}`),
    async close() {
      await Promise.all(unsubscribe.map((stop) => stop().catch(() => {})));
    },
  };
}
