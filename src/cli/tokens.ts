/**
 * `chatflow tokens create|list|revoke`: scoped admin tokens, through the admin API of a running server
 * (so a token counts at once, on every instance, and the action lands in the audit log).
 */
import { parseArgs } from 'node:util';

type Out = { stdout: (text: string) => void; stderr: (text: string) => void };

export const TOKENS_USAGE = `Usage: chatflow tokens create <name> --scope <scope> [--scope <scope> ...]
       chatflow tokens list
       chatflow tokens revoke <name>

Manages named admin tokens through the admin API of a running server (the ADMIN_TOKEN is needed).
"create" prints the new token once: the server keeps only its hash.
Scopes: flows:read, flows:write, history:read, history:delete, audit:read, metrics.
Exit code: 0 done, 1 the server refused (the reason is printed), 2 usage or connection error.

Options:
  --server <url>   the server (default: $CHATFLOW_URL, else http://127.0.0.1:3000)
  --token <token>  the ADMIN_TOKEN (default: $ADMIN_TOKEN)
  --scope <scope>  a scope of the new token (repeat for several)
  --json           print the server's JSON answer
  --help           this text
`;

const EXIT = { ok: 0, refused: 1, usage: 2 } as const;

function fail(out: Out, message: string, code: number = EXIT.usage): number {
  out.stderr(`chatflow tokens: ${message}\n`);
  return code;
}

export async function tokensCommand(
  args: string[],
  out: Out,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      scope: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    out.stdout(TOKENS_USAGE);
    return EXIT.ok;
  }
  const [action, name, ...extra] = positionals;
  const server = (values.server ?? env.CHATFLOW_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const token = values.token ?? env.ADMIN_TOKEN;
  if (!URL.canParse(server)) return fail(out, `--server ${server} is not a URL`);
  if (!token) return fail(out, 'the ADMIN_TOKEN is needed: --token <token> or ADMIN_TOKEN=…');

  let request: { method: string; path: string; body?: unknown };
  if (action === 'create' && name !== undefined && extra.length === 0) {
    if (!values.scope?.length) return fail(out, 'create needs at least one --scope');
    request = { method: 'POST', path: '/api/tokens', body: { name, scopes: values.scope } };
  } else if (action === 'list' && name === undefined) {
    request = { method: 'GET', path: '/api/tokens' };
  } else if (action === 'revoke' && name !== undefined && extra.length === 0) {
    request = { method: 'DELETE', path: `/api/tokens/${encodeURIComponent(name)}` };
  } else {
    out.stderr(TOKENS_USAGE);
    return EXIT.usage;
  }

  let response: Response;
  try {
    response = await fetch(`${server}${request.path}`, {
      method: request.method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const cause = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    return fail(out, `cannot reach ${server} (${cause})`);
  }
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: the admin API's documented JSON answers
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return fail(out, `${server} answered ${response.status} without JSON: is it a Chatflow server?`);
  }
  if (!response.ok) {
    const error = body?.error ?? {};
    const details = Array.isArray(error.details)
      ? error.details.map((d: { path: string; message: string }) => `\n  ${d.path}: ${d.message}`).join('')
      : '';
    return fail(out, `${response.status} ${error.code}: ${error.message}${details}`, EXIT.refused);
  }
  if (values.json) {
    out.stdout(`${JSON.stringify(body, null, 2)}\n`);
  } else if (action === 'create') {
    out.stdout(
      `created token "${body.name}" with ${body.scopes.join(', ')}; it is shown only now:\n${body.token}\n`,
    );
  } else if (action === 'list') {
    if (body.tokens.length === 0) out.stdout('no named tokens\n');
    for (const t of body.tokens) out.stdout(`${t.name}\t${t.scopes.join(',')}\t${t.createdAt}\n`);
  } else {
    out.stdout(`revoked token "${body.name}"\n`);
  }
  return EXIT.ok;
}
