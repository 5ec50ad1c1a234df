/**
 * Validates real HTTP responses against the served OpenAPI 3.1 document: the operation must exist,
 * the status must be declared (or covered by `default`), the content type must be the declared one,
 * declared headers must be present, and the body must match the schema (ajv, JSON Schema 2020-12).
 */
import assert from 'node:assert/strict';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { buildOpenApiDocument } from '../../src/http/openapi.ts';

const DOCUMENT_ID = 'https://chatflow.test/openapi.json';

interface Operation {
  responses: Record<string, ResponseObject>;
}
interface ResponseObject {
  content?: Record<string, { schema: unknown }>;
  headers?: Record<string, unknown>;
}
type Json = Record<string, unknown>;

export interface ObservedResponse {
  method: string;
  /** The request path, query string allowed. */
  path: string;
  status: number;
  headers: Headers;
  text: string;
}

const pointer = (...keys: string[]) =>
  keys.map((k) => `/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');

export class OpenApiValidator {
  readonly document: Json;
  readonly #ajv: Ajv2020;
  readonly #compiled = new Map<string, ValidateFunction>();
  readonly #templates: { template: string; pattern: RegExp }[];

  constructor(document: Json = buildOpenApiDocument()) {
    this.document = document;
    // strict: false because the document itself is OpenAPI, not JSON Schema (`paths`, `openapi`, ...).
    this.#ajv = new Ajv2020({ strict: false, allErrors: true });
    formats.default(this.#ajv);
    this.#ajv.addSchema({ ...document, $id: DOCUMENT_ID });
    this.#templates = Object.keys(document.paths as Json).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  /** The operation's path template for a concrete path, if the document has one. */
  templateOf(path: string): string | undefined {
    const bare = path.split('?')[0] ?? '';
    return this.#templates.find((t) => t.pattern.test(bare))?.template;
  }

  #validator(ref: string): ValidateFunction {
    let validate = this.#compiled.get(ref);
    if (!validate) {
      validate = this.#ajv.compile({ $ref: `${DOCUMENT_ID}#${ref}` });
      this.#compiled.set(ref, validate);
    }
    return validate;
  }

  /** Throws an AssertionError when the response is not what the document says. */
  check(response: ObservedResponse): void {
    const label = `${response.method} ${response.path} → ${response.status}`;
    const template = this.templateOf(response.path);
    // Unknown routes are answered by the error path, which the document describes as Error.
    const operation =
      template === undefined
        ? undefined
        : (((this.document.paths as Json)[template] as Json)[response.method.toLowerCase()] as
            | Operation
            | undefined);
    let responsePointer: string;
    let declared: ResponseObject;
    if (operation === undefined || template === undefined) {
      assert.ok(response.status >= 400, `${label}: no such operation in the OpenAPI document`);
      responsePointer = pointer('components', 'schemas', 'Error');
      declared = {};
      this.#checkJson(label, response, responsePointer);
      return;
    }
    const key = String(response.status) in operation.responses ? String(response.status) : 'default';
    declared = operation.responses[key] as ResponseObject;
    assert.ok(declared, `${label}: status not declared in the OpenAPI document`);
    for (const header of Object.keys(declared.headers ?? {})) {
      assert.ok(response.headers.has(header), `${label}: declared header ${header} missing`);
    }
    if (declared.content === undefined) {
      // A response declared without content (204 No Content) must have none.
      assert.equal(response.text, '', `${label}: declared without content, but has a body`);
      return;
    }
    assert.ok(declared.content['application/json'], `${label}: no application/json content declared`);
    responsePointer = `${pointer('paths', template, response.method.toLowerCase(), 'responses', key)}/content/application~1json/schema`;
    this.#checkJson(label, response, responsePointer);
  }

  #checkJson(label: string, response: ObservedResponse, schemaPointer: string): void {
    const contentType = response.headers.get('content-type') ?? '';
    assert.match(contentType, /^application\/json\b/, `${label}: content type ${contentType}`);
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      assert.fail(`${label}: body is not JSON: ${response.text.slice(0, 200)}`);
    }
    const validate = this.#validator(schemaPointer);
    if (!validate(body)) {
      assert.fail(
        `${label}: body does not match the OpenAPI schema: ${this.#ajv.errorsText(validate.errors)}`,
      );
    }
  }
}
