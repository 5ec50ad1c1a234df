/**
 * LISTEN/NOTIFY between instances. NOTIFY goes through the pool; LISTEN needs one dedicated
 * connection (a pooled one would be reaped when idle and would lose its LISTENs). That connection
 * reconnects by itself after it drops, with exponential backoff and jitter, re-issues every LISTEN,
 * and then calls each subscription's `onReconnect`: messages sent while it was down are lost, so
 * subscribers must resynchronise (e.g. drop every cached flow).
 */
import { Client, escapeIdentifier, type Notification } from 'pg';
import type { NotificationHandler, StoreNotifications } from '../store.ts';
import { StoreUnavailableError } from '../store.ts';
import { type ConnectionOptions, clientConfig } from './connection.ts';
import { toStoreError } from './errors.ts';
import type { Query } from './transaction.ts';

/** Channels are identifiers; keeping them plain avoids quoting surprises across tools (psql, other apps). */
const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

interface Subscription {
  onMessage: NotificationHandler;
  onReconnect: (() => void) | undefined;
  /** Set once `listen` resolved: only then is a reconnection news to the subscriber. */
  active: boolean;
}

function checkChannel(channel: string): void {
  if (!CHANNEL_NAME.test(channel)) throw new RangeError(`channel must match ${CHANNEL_NAME.source}`);
}

/** Calls a subscriber's callback; a subscriber that throws must not break delivery to the others. */
function safely(callback: () => void): void {
  try {
    callback();
  } catch {
    // Documented contract: handlers must not throw; one that does loses only its own message.
  }
}

export class PostgresNotifications implements StoreNotifications {
  readonly #connection: ConnectionOptions;
  readonly #query: Query;
  readonly #subscriptions = new Map<string, Set<Subscription>>();
  #client: Client | null = null;
  #connecting: Promise<Client> | null = null;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #failedAttempts = 0;
  /** A connection was lost since the last successful connect: subscribers may have missed messages. */
  #missedMessages = false;
  #closed = false;
  /** The last statement queued on the LISTEN connection. */
  #tail: Promise<void> = Promise.resolve();

  constructor(connection: ConnectionOptions, query: Query) {
    this.#connection = connection;
    this.#query = query;
  }

  async listen(
    channel: string,
    onMessage: NotificationHandler,
    onReconnect?: () => void,
  ): Promise<() => Promise<void>> {
    checkChannel(channel);
    const subscription: Subscription = { onMessage, onReconnect, active: false };
    const subscribers = this.#subscriptions.get(channel) ?? new Set<Subscription>();
    this.#subscriptions.set(channel, subscribers);
    subscribers.add(subscription);
    try {
      const client = await this.#connected();
      // A fresh connection already listens on every channel; LISTEN twice is a no-op.
      await this.#command(client, `LISTEN ${escapeIdentifier(channel)}`);
    } catch (error) {
      this.#unsubscribe(channel, subscription);
      if (this.#missedMessages) this.#scheduleReconnect();
      throw toStoreError(error);
    }
    subscription.active = true;
    return async () => {
      const emptied = this.#unsubscribe(channel, subscription);
      if (emptied && this.#client) {
        // Best effort: if the connection is gone, so is the LISTEN.
        await this.#command(this.#client, `UNLISTEN ${escapeIdentifier(channel)}`).catch(() => {});
      }
    };
  }

  async notify(channel: string, payload: string): Promise<void> {
    checkChannel(channel);
    const bytes = Buffer.byteLength(payload, 'utf8');
    if (bytes > this.#connection.limits.maxNotifyPayloadBytes || payload.includes('\u0000')) {
      throw new RangeError(
        `payload must be at most ${this.#connection.limits.maxNotifyPayloadBytes} UTF-8 bytes, without U+0000`,
      );
    }
    await this.#query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#stopHeartbeat();
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
    // A connection being opened right now is ended by #connected when it arrives.
    await this.#connecting?.catch(() => {});
  }

  /** Removes one subscription; true when it was the channel's last. */
  #unsubscribe(channel: string, subscription: Subscription): boolean {
    const subscribers = this.#subscriptions.get(channel);
    if (!subscribers?.delete(subscription)) return false;
    if (subscribers.size > 0) return false;
    this.#subscriptions.delete(channel);
    return true;
  }

  /** The listening connection, opening it (with every current LISTEN) when there is none. */
  #connected(): Promise<Client> {
    if (this.#closed) return Promise.reject(new StoreUnavailableError('the store is closed'));
    if (this.#client) return Promise.resolve(this.#client);
    if (!this.#connecting) {
      this.#connecting = this.#open().then(
        (client) => {
          this.#connecting = null;
          if (this.#closed) {
            void client.end().catch(() => {});
            throw new StoreUnavailableError('the store is closed');
          }
          this.#client = client;
          this.#failedAttempts = 0;
          this.#startHeartbeat(client);
          if (this.#missedMessages) {
            this.#missedMessages = false;
            this.#announceReconnect();
          }
          return client;
        },
        (error: unknown) => {
          this.#connecting = null;
          throw error;
        },
      );
    }
    return this.#connecting;
  }

  async #open(): Promise<Client> {
    const client = new Client(clientConfig(this.#connection));
    // 'error' and 'end' both arrive when the connection drops; #lost acts once, for the current client.
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error('LISTEN connection ended')));
    client.on('notification', (message) => this.#dispatch(message));
    try {
      await client.connect();
      for (const channel of this.#subscriptions.keys()) {
        await client.query(`LISTEN ${escapeIdentifier(channel)}`);
      }
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
  }

  #dispatch(message: Notification): void {
    const subscribers = this.#subscriptions.get(message.channel);
    if (!subscribers) return;
    for (const subscription of [...subscribers]) safely(() => subscription.onMessage(message.payload ?? ''));
  }

  #announceReconnect(): void {
    for (const subscribers of [...this.#subscriptions.values()]) {
      for (const subscription of [...subscribers]) {
        const { onReconnect } = subscription;
        if (subscription.active && onReconnect) safely(onReconnect);
      }
    }
  }

  #lost(client: Client, error: Error): void {
    if (client !== this.#client) return;
    this.#client = null;
    this.#stopHeartbeat();
    this.#missedMessages = true;
    this.#connection.onConnectionError(error);
    // Destroys the socket when a query hangs on it; a no-op on one that already ended.
    void client.end().catch(() => {});
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer || this.#subscriptions.size === 0) return;
    const { listenReconnectMinMs, listenReconnectMaxMs } = this.#connection.limits;
    const ceiling = Math.min(listenReconnectMaxMs, listenReconnectMinMs * 2 ** this.#failedAttempts);
    // Full jitter in the upper half: instances that lost the database together do not return in step.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.#failedAttempts += 1;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      this.#connected().catch((error: unknown) => {
        this.#connection.onConnectionError(error instanceof Error ? error : new Error(String(error)));
        this.#scheduleReconnect();
      });
    }, delay);
    this.#reconnectTimer.unref();
  }

  /** Checks the connection every listenHeartbeatMs; one check at a time, the next after the last answered. */
  #startHeartbeat(client: Client): void {
    this.#stopHeartbeat();
    const { listenHeartbeatMs, pingTimeoutMs } = this.#connection.limits;
    const beat = () => {
      this.#heartbeat = null;
      const silent = setTimeout(
        () => this.#lost(client, new Error('LISTEN connection stopped answering')),
        pingTimeoutMs,
      );
      silent.unref();
      this.#command(client, 'SELECT 1').then(
        () => {
          clearTimeout(silent);
          if (client === this.#client) schedule();
        },
        (error: unknown) => {
          clearTimeout(silent);
          this.#lost(client, error instanceof Error ? error : new Error(String(error)));
        },
      );
    };
    const schedule = () => {
      this.#heartbeat = setTimeout(beat, listenHeartbeatMs);
      this.#heartbeat.unref();
    };
    schedule();
  }

  /** Runs one statement on the LISTEN connection after the ones before it: pg wants one query at a time. */
  #command(client: Client, sql: string): Promise<void> {
    const run = this.#tail.then(() => client.query(sql)).then(() => undefined);
    this.#tail = run.catch(() => {});
    return run;
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat) clearTimeout(this.#heartbeat);
    this.#heartbeat = null;
  }
}
