/**
 * The part of Restify 12 that Chatflow uses. Restify ships no types and @types/restify describes
 * v8 (Bunyan logger, next-based handlers only); these declarations follow the v12 sources
 * (lib/server.js, lib/request.js, lib/response.js, lib/chain.js).
 */
declare module 'restify' {
  import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
  import type { AddressInfo } from 'node:net';
  import type { Logger } from 'pino';

  /** `next(false)` stops the chain (the response was sent); `next(err)` routes to the error events. */
  export type Next = (err?: Error | false) => void;

  export interface Request extends IncomingMessage {
    /** The request id (set once, e.g. from a trusted header); generated lazily otherwise. */
    id(reqId?: string): string;
    getId(): string;
    params: Record<string, string>;
    log: Logger;
    /** `new URL(protocol + Host + url)`: throws when the Host header does not parse (see guards.ts). */
    getUrl(): URL;
  }

  export interface Response extends ServerResponse {
    /** Sends `body` as is (no formatter). */
    sendRaw(code: number, body: string | Buffer, headers?: Record<string, string | number>): this;
  }

  /** Callback style: three parameters, call next. Async style: two parameters, resolves = next(). */
  export type RequestHandler =
    | ((req: Request, res: Response, next: Next) => void)
    | ((req: Request, res: Response) => Promise<void>);

  export interface RouteError extends Error {
    statusCode?: number;
  }

  export interface ServerOptions {
    name?: string;
    log?: Logger;
    handleUpgrades?: boolean;
    strictNext?: boolean;
    ignoreTrailingSlash?: boolean;
    /** Do not answer `Expect: 100-continue` with 100 Continue before the handlers run. */
    noWriteContinue?: boolean;
  }

  export interface Server {
    /** The underlying node:http server (the WebSocket layer attaches its 'upgrade' listener here). */
    readonly server: HttpServer;
    pre(...handlers: RequestHandler[]): this;
    use(...handlers: RequestHandler[]): this;
    get(path: string, ...handlers: RequestHandler[]): unknown;
    head(path: string, ...handlers: RequestHandler[]): unknown;
    post(path: string, ...handlers: RequestHandler[]): unknown;
    put(path: string, ...handlers: RequestHandler[]): unknown;
    del(path: string, ...handlers: RequestHandler[]): unknown;
    listen(port: number, host: string, callback: () => void): unknown;
    close(callback?: () => void): unknown;
    address(): AddressInfo | string | null;
    inflightRequests(): number;
    on(
      event: 'restifyError',
      listener: (req: Request, res: Response, err: RouteError, callback: () => void) => void,
    ): this;
    on(
      event: 'after',
      listener: (req: Request, res: Response, route: unknown, err: RouteError | undefined) => void,
    ): this;
    on(event: 'error', listener: (err: Error) => void): this;
  }

  export function createServer(options?: ServerOptions): Server;

  const restify: { createServer: typeof createServer };
  export default restify;
}
