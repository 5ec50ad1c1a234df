/** The JSON Schema of the flow format (served at /schemas/flow.json), generated from the zod schema. */
import { z } from 'zod';
import { flowSchema } from './schema.ts';

export const FLOW_SCHEMA_ID = 'https://chatflow.dev/schemas/flow.json';

let cached: Record<string, unknown> | undefined;

export function flowJsonSchema(): Record<string, unknown> {
  cached ??= {
    $id: FLOW_SCHEMA_ID,
    title: 'Chatflow flow (format v1)',
    ...(z.toJSONSchema(flowSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>),
  };
  return cached;
}
