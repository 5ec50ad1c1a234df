/** /api/flow/tests and /api/flow/versions/:version/tests: thin controllers over the flow-tests service. */
import type { Request, Response, Server } from 'restify';
import type { z } from 'zod';
import type { TestsLookup } from '../../admin/flow-tests.ts';
import { TEST_FILE_LIMITS } from '../../flow-tests/limits.ts';
import type { testsUploadResponse } from '../api-schemas.ts';
import { readJsonBody } from '../body.ts';
import { ApiError } from '../errors.ts';
import { parseIfMatch } from '../etag.ts';
import { sendJson, sendRawJson } from '../respond.ts';
import type { RouteContext } from './context.ts';
import { conflict, versionParam } from './flows.ts';

/**
 * The flow version the tests were stored for. Not an ETag: a second upload for the same version
 * would carry the same tag with other content.
 */
export const TESTS_VERSION_HEADER = 'X-Chatflow-Tests-Version';

/** The stored bytes, exactly as uploaded, naming the version they were stored for. */
function sendTests(res: Response, lookup: TestsLookup, asked: string): void {
  if (!lookup.found) {
    const why = {
      no_flow: 'no flow has been uploaded yet',
      no_such_version: `${asked} does not exist`,
      no_tests: `no tests are stored for ${asked} or a version before it`,
    }[lookup.reason];
    throw new ApiError('NOT_FOUND', why);
  }
  sendRawJson(res, 200, lookup.tests.raw, { [TESTS_VERSION_HEADER]: String(lookup.tests.flowVersion) });
}

export function registerFlowTestsRoutes(server: Server, ctx: RouteContext): void {
  const { flowTests, auth } = ctx;
  const read = auth.requireScope('flows:read');
  const write = auth.requireScope('flows:write');
  const maxBytes = Math.min(ctx.maxBodyBytes, TEST_FILE_LIMITS.maxFileBytes);

  server.put('/api/flow/tests', write, async function uploadTests(req: Request, res: Response) {
    const ifMatch = parseIfMatch(req.headers['if-match']);
    const body = await readJsonBody(req, res, maxBytes);
    const result = await flowTests.upload({
      raw: body.raw,
      document: body.value,
      ...(ifMatch === undefined ? {} : { ifMatch }),
    });
    if (!result.ok && result.reason === 'no_flow') {
      throw new ApiError('NOT_FOUND', 'no flow has been uploaded yet: upload the flow before its tests');
    }
    if (!result.ok && result.reason === 'invalid') {
      throw new ApiError('INVALID_TESTS', `the tests have ${result.problems.length} problem(s)`, {
        details: result.problems,
      });
    }
    if (!result.ok) throw conflict(result.current);
    await auth.audit(req, 'flow.tests.upload', String(result.flowVersion));
    const answer: z.infer<typeof testsUploadResponse> = {
      flowVersion: result.flowVersion,
      conversations: result.conversations,
      run: result.run,
    };
    sendJson(res, 201, answer, {
      [TESTS_VERSION_HEADER]: String(result.flowVersion),
      Location: '/api/flow/tests',
    });
  });

  server.get('/api/flow/tests', read, async function currentTests(_req: Request, res: Response) {
    sendTests(res, await flowTests.inEffect(), 'the current flow version');
  });

  server.get(
    '/api/flow/versions/:version/tests',
    read,
    async function versionTests(req: Request, res: Response) {
      const version = versionParam(req);
      sendTests(res, await flowTests.inEffect(version), `flow version ${version}`);
    },
  );
}
