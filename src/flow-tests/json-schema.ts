/** The JSON Schema of the conversation-test format (served at /schemas/flow-tests.json), generated from the zod schema. */
import { z } from 'zod';
import { TESTS_SCHEMA_ID, testFileSchema } from './format.ts';

let cached: Record<string, unknown> | undefined;

export function testsJsonSchema(): Record<string, unknown> {
  cached ??= {
    $id: TESTS_SCHEMA_ID,
    title: 'Chatflow conversation tests (format v1)',
    ...(z.toJSONSchema(testFileSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>),
  };
  return cached;
}
