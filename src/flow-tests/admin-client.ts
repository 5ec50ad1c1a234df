/**
 * The few admin API reads a test run over a server needs (the flow, its versions, a conversation's
 * history), with the token. A refusal is a ChannelError naming the status, the server's code and
 * message, and what to do; the token itself is never part of a message.
 */
import { ChannelError, networkReason } from './channel-error.ts';

/** The scopes a test run's token needs (docs/admin-api.md, Scoped tokens). */
export const NEEDED_SCOPES = ['flows:read', 'history:read'] as const;

export interface AdminAnswer {
  body: unknown;
  headers: Headers;
}

function refusalHint(status: number): string {
  if (status === 401) return ': the token was refused';
  if (status === 403) return `: the token needs the scopes ${NEEDED_SCOPES.join(' and ')}`;
  return '';
}

export class AdminClient {
  readonly #base: string;
  readonly #token: string;
  readonly #timeoutMs: number;

  /** `base`: the server's http(s) URL, without a trailing slash. */
  constructor(base: string, token: string, timeoutMs: number) {
    this.#base = base;
    this.#token = token;
    this.#timeoutMs = timeoutMs;
  }

  /** GET `path` as JSON; `what` names it in errors ("the current flow"). */
  async get(path: string, what: string): Promise<AdminAnswer> {
    const url = `${this.#base}${path}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        headers: { Authorization: `Bearer ${this.#token}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') {
        throw new ChannelError(`${url} did not answer within ${this.#timeoutMs} ms (reading ${what})`);
      }
      throw new ChannelError(`cannot reach ${url} (${networkReason(err)})`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ChannelError(
        `${url} answered ${response.status} without JSON: is it a Chatflow server, with its admin API on this URL (ADMIN_PORT)?`,
      );
    }
    if (!response.ok) {
      const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      const reason = typeof error?.code === 'string' ? ` ${error.code}: ${String(error.message)}` : '';
      throw new ChannelError(
        `${url} refused to give ${what}: HTTP ${response.status}${reason}${refusalHint(response.status)}`,
      );
    }
    return { body, headers: response.headers };
  }
}
