/** The few things one pane tells the others: a tiny typed publish/subscribe. */

export interface PlaygroundEvents {
  /** The chat's conversation runs on this flow version (a new one, or a resumed one). */
  chatFlowVersion: number;
  /** The chat is at this block (from the `message` and `waiting` frames' blockId). */
  chatBlock: string;
  /** A version was published or activated: the current flow changed. */
  flowChanged: number;
}

type Handler<T> = (value: T) => void;
const handlers = new Map<keyof PlaygroundEvents, Set<Handler<never>>>();

export function on<K extends keyof PlaygroundEvents>(name: K, handler: Handler<PlaygroundEvents[K]>): void {
  const set = handlers.get(name) ?? new Set();
  handlers.set(name, set);
  set.add(handler as Handler<never>);
}

export function emit<K extends keyof PlaygroundEvents>(name: K, value: PlaygroundEvents[K]): void {
  for (const handler of handlers.get(name) ?? []) (handler as Handler<PlaygroundEvents[K]>)(value);
}
