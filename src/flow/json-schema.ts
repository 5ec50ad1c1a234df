/**
 * The JSON Schema (2020-12) of the flow format, generated from the zod schema — never kept by hand.
 * Served at /schemas/flow.json and embedded in the OpenAPI document.
 */
import { z } from 'zod';
import { flowSchema } from './schema.ts';

export const FLOW_SCHEMA_ID = 'https://chatflow.dev/schemas/flow.json';

export function flowJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(flowSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }),
    $id: FLOW_SCHEMA_ID,
    title: 'Chatflow flow document (formatVersion 1)',
  };
}
