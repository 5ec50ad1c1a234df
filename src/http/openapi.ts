/**
 * The OpenAPI 3.1 description of the API, served at /openapi.json. Its schemas are generated from the
 * zod schemas (the flow format and api-schemas.ts); the HTTP tests validate every response they get
 * against this document.
 */
import { z } from 'zod';
import { CONVERSATION_PAGE } from '../admin/conversation-history.ts';
import { flowJsonSchema } from '../flow/json-schema.ts';
import { testsJsonSchema } from '../flow-tests/json-schema.ts';
import { SCOPES } from './admin-auth.ts';
import { RESPONSE_SCHEMAS } from './api-schemas.ts';
import { ERROR_CATALOGUE, type ErrorCode } from './errors.ts';

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function componentSchemas(): Json {
  const { $schema: _dialect, ...flow } = flowJsonSchema();
  const { $schema: _testsDialect, ...tests } = testsJsonSchema();
  const schemas: Json = { Flow: flow, FlowTests: tests };
  for (const [name, schema] of Object.entries(RESPONSE_SCHEMAS)) {
    const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output' });
    schemas[name] = json;
  }
  return schemas;
}

const etagHeader = {
  ETag: { description: 'The flow version as an entity tag, e.g. `"3"`', schema: { type: 'string' } },
};

const testsVersionHeader = {
  'X-Chatflow-Tests-Version': {
    description: 'The flow version the tests were stored for (the version asked for, or one before it)',
    schema: { type: 'string', pattern: '^[1-9][0-9]*$' },
  },
};

function json(description: string, schema: Json, headers?: Json): Json {
  return { description, content: { 'application/json': { schema } }, ...(headers ? { headers } : {}) };
}

const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
};

/** Every operation that reads or writes the store: it answers 503 while the database cannot be reached. */
const STORE = 'STORE_UNAVAILABLE';

/** The error responses of an operation, with the codes each status can carry. */
function errors(...codes: ErrorCode[]): Json {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CATALOGUE[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Json = {};
  for (const [status, list] of byStatus) {
    const headers = status === 503 || status === 429 ? retryAfter : undefined;
    responses[String(status)] = json(list.join(', '), ref('Error'), headers);
  }
  // Any route can also answer 405/413/415/500 (guards, Restify routing): all in the same error body.
  responses.default = json('An error (see docs/admin-api.md, Errors)', ref('Error'));
  return responses;
}

/**
 * An authenticated operation: `scope` is the token scope it needs (`admin`: the ADMIN_TOKEN itself).
 * Every one can also answer 401, 403 (scope) and 429 (too many wrong tokens from the address).
 */
function secured(scope: string): Json {
  return {
    security: [{ bearerAuth: [] }],
    'x-scope': scope,
    description: `Needs a token with the scope \`${scope}\` (or the ADMIN_TOKEN).`,
  };
}
const AUTH: ErrorCode[] = ['UNAUTHORIZED', 'FORBIDDEN', 'AUTH_THROTTLED'];
const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description: 'Compare-and-set: the operation happens only if this is the current version, e.g. `"3"`',
  schema: { type: 'string', pattern: '^"[1-9][0-9]*"$' },
};
const versionParam = {
  name: 'version',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[1-9][0-9]*$' },
};
const PAGE_PARAMETERS = [
  {
    name: 'limit',
    in: 'query',
    schema: {
      type: 'integer',
      minimum: CONVERSATION_PAGE.min,
      maximum: CONVERSATION_PAGE.max,
      default: CONVERSATION_PAGE.default,
    },
  },
  {
    name: 'cursor',
    in: 'query',
    schema: { type: 'string' },
    description: '`nextCursor` of a page',
  },
];
const tokenNameParam = {
  name: 'name',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
};
const flowBody = {
  required: true,
  content: { 'application/json': { schema: ref('Flow') } },
};
const testsBody = {
  required: true,
  content: { 'application/json': { schema: ref('FlowTests') } },
};

export function buildOpenApiDocument(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Chatflow admin API',
      version: '1.0.0',
      description: 'Upload and version chatbot flows, read conversation history. See docs/admin-api.md.',
    },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: componentSchemas(),
    },
    paths: {
      '/': {
        get: {
          summary: 'The browser playground (HTML; not part of the JSON API)',
          responses: {
            '200': { description: 'index.html', content: { 'text/html': { schema: { type: 'string' } } } },
            ...errors('NOT_FOUND'),
          },
        },
      },
      '/assets/{file}': {
        get: {
          summary: "The playground's scripts and styles (hashed names, cached as immutable)",
          parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'The file',
              content: {
                'text/javascript': { schema: { type: 'string' } },
                'text/css': { schema: { type: 'string' } },
              },
            },
            ...errors('NOT_FOUND'),
          },
        },
      },
      '/health': {
        get: { summary: 'Liveness', responses: { '200': json('Alive', ref('Health')), ...errors() } },
      },
      '/ready': {
        get: {
          summary: 'Readiness: the store answers',
          responses: {
            '200': json('Ready', ref('Ready')),
            '503': json('The store does not answer', ref('Ready')),
            ...errors(),
          },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', responses: { '200': json('OpenAPI 3.1', { type: 'object' }) } },
      },
      '/schemas/flow.json': {
        get: {
          summary: 'JSON Schema (2020-12) of the flow format',
          responses: { '200': json('JSON Schema', { type: 'object' }) },
        },
      },
      '/schemas/flow-tests.json': {
        get: {
          summary: 'JSON Schema (2020-12) of the conversation-test format',
          responses: { '200': json('JSON Schema', { type: 'object' }) },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (text format); needs `Bearer $METRICS_TOKEN` when it is set',
          responses: {
            '200': {
              description: 'Prometheus text exposition format 0.0.4',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            ...errors(...AUTH, STORE),
          },
        },
      },
      '/api/flow': {
        put: {
          summary: 'Upload a flow (stored as a new version that becomes current)',
          ...secured('flows:write'),
          parameters: [ifMatch],
          requestBody: flowBody,
          responses: {
            '201': json('Stored', ref('UploadResult'), etagHeader),
            ...errors(
              'INVALID_JSON',
              'INVALID_FLOW',
              'BAD_REQUEST',
              ...AUTH,
              'VERSION_CONFLICT',
              'PAYLOAD_TOO_LARGE',
              'INTENT_MODELS_TOO_LARGE',
              'UNSUPPORTED_MEDIA_TYPE',
              STORE,
            ),
          },
        },
        get: {
          summary: 'The current flow, byte for byte as uploaded',
          ...secured('flows:read'),
          responses: {
            '200': json('The flow document', ref('Flow'), etagHeader),
            ...errors(...AUTH, 'NOT_FOUND', STORE),
          },
        },
      },
      '/api/flow/versions': {
        get: {
          summary: 'Every stored version, newest first',
          ...secured('flows:read'),
          responses: { '200': json('Versions', ref('FlowVersions')), ...errors(...AUTH, STORE) },
        },
      },
      '/api/flow/versions/{version}': {
        get: {
          summary: 'One version, byte for byte as uploaded',
          ...secured('flows:read'),
          parameters: [versionParam],
          responses: {
            '200': json('The flow document', ref('Flow'), etagHeader),
            ...errors('BAD_REQUEST', ...AUTH, 'NOT_FOUND', STORE),
          },
        },
      },
      '/api/flow/versions/{version}/activate': {
        post: {
          summary: 'Make a stored version current again (rollback)',
          ...secured('flows:write'),
          parameters: [versionParam, ifMatch],
          responses: {
            '200': json('Now current', ref('Activation'), etagHeader),
            ...errors('BAD_REQUEST', ...AUTH, 'NOT_FOUND', 'VERSION_CONFLICT', STORE),
          },
        },
      },
      '/api/flow/validate': {
        post: {
          summary:
            'Validate a flow without storing it, and run the tests in effect for the current version against it',
          ...secured('flows:read'),
          requestBody: flowBody,
          responses: {
            '200': json('The validation report', ref('ValidationReport')),
            ...errors('INVALID_JSON', ...AUTH, 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', STORE),
          },
        },
      },
      '/api/flow/tests': {
        put: {
          summary: 'Store conversation tests for the current flow version, and run them against it',
          ...secured('flows:write'),
          parameters: [ifMatch],
          requestBody: testsBody,
          responses: {
            '201': json('Stored, with the run', ref('TestsUploadResult'), testsVersionHeader),
            ...errors(
              'INVALID_JSON',
              'INVALID_TESTS',
              'BAD_REQUEST',
              ...AUTH,
              'NOT_FOUND',
              'VERSION_CONFLICT',
              'PAYLOAD_TOO_LARGE',
              'UNSUPPORTED_MEDIA_TYPE',
              STORE,
            ),
          },
        },
        get: {
          summary: 'The tests in effect for the current version, byte for byte as uploaded',
          ...secured('flows:read'),
          responses: {
            '200': json('The test file', ref('FlowTests'), testsVersionHeader),
            ...errors(...AUTH, 'NOT_FOUND', STORE),
          },
        },
      },
      '/api/flow/versions/{version}/tests': {
        get: {
          summary: 'The tests in effect for a version, byte for byte as uploaded',
          ...secured('flows:read'),
          parameters: [versionParam],
          responses: {
            '200': json('The test file', ref('FlowTests'), testsVersionHeader),
            ...errors('BAD_REQUEST', ...AUTH, 'NOT_FOUND', STORE),
          },
        },
      },
      '/api/conversations': {
        get: {
          summary: 'Conversations, newest first, paginated',
          ...secured('history:read'),
          parameters: PAGE_PARAMETERS,
          responses: {
            '200': json('One page', ref('ConversationPage')),
            ...errors('BAD_REQUEST', ...AUTH, STORE),
          },
        },
      },
      '/api/conversations/{id}': {
        get: {
          summary: 'One conversation with its ordered history',
          ...secured('history:read'),
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': json('The conversation', ref('Conversation')),
            ...errors(...AUTH, 'NOT_FOUND', STORE),
          },
        },
        delete: {
          summary: 'Delete one conversation with its whole history',
          ...secured('history:delete'),
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '204': { description: 'Deleted' },
            ...errors(...AUTH, 'NOT_FOUND', STORE),
          },
        },
      },
      '/api/tokens': {
        post: {
          summary: 'Create a named token with scopes; its secret is in this answer only',
          ...secured('admin'),
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['name', 'scopes'],
                  additionalProperties: false,
                  properties: {
                    name: tokenNameParam.schema,
                    scopes: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...SCOPES] } },
                  },
                },
              },
            },
          },
          responses: {
            '201': json('Created', ref('TokenCreated')),
            ...errors(
              'INVALID_JSON',
              'BAD_REQUEST',
              ...AUTH,
              'TOKEN_EXISTS',
              'PAYLOAD_TOO_LARGE',
              'UNSUPPORTED_MEDIA_TYPE',
              STORE,
            ),
          },
        },
        get: {
          summary: 'The named tokens (never their secrets) and the scopes there are',
          ...secured('admin'),
          responses: { '200': json('Tokens', ref('Tokens')), ...errors(...AUTH, STORE) },
        },
      },
      '/api/tokens/{name}': {
        delete: {
          summary: 'Revoke a named token (refused from the next request on, on every instance)',
          ...secured('admin'),
          parameters: [tokenNameParam],
          responses: {
            '200': json('Revoked', ref('TokenRevoked')),
            ...errors(...AUTH, 'NOT_FOUND', STORE),
          },
        },
      },
      '/api/audit': {
        get: {
          summary: 'The audit log, newest first, paginated: who did what, from where, when',
          ...secured('audit:read'),
          parameters: PAGE_PARAMETERS,
          responses: {
            '200': json('One page', ref('AuditPage')),
            ...errors('BAD_REQUEST', ...AUTH, STORE),
          },
        },
      },
      '/api/users/{userId}/conversations': {
        delete: {
          summary: 'Erase every conversation of a signed user id (a GDPR erasure request)',
          ...secured('history:delete'),
          parameters: [{ name: 'userId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': json('How many were deleted (0 when the user has none)', ref('UserErasure')),
            ...errors(...AUTH, STORE),
          },
        },
      },
    },
  };
}
