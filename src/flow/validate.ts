/**
 * Flow validation: every problem, located by JSON pointer. Never throws, whatever the input.
 */
import type { z } from 'zod';
import { flowSchema } from './schema.ts';
import type { Flow, FlowProblem } from './types.ts';

export type ValidationResult =
  | { valid: true; flow: Flow; errors: []; warnings: FlowProblem[] }
  | { valid: false; errors: FlowProblem[]; warnings: FlowProblem[] };

/** RFC 6901 pointer from a path of keys. */
export function toPointer(path: readonly PropertyKey[]): string {
  return path.map((key) => `/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

function schemaProblems(error: z.ZodError): FlowProblem[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: toPointer([...issue.path, key]),
          message: `unknown field "${key}"`,
        }))
      : [{ path: toPointer(issue.path), message: issue.message }],
  );
}

/** Validates a parsed JSON document as a flow. */
export function validateFlow(document: unknown): ValidationResult {
  const parsed = flowSchema.safeParse(document);
  if (!parsed.success) return { valid: false, errors: schemaProblems(parsed.error), warnings: [] };
  return { valid: true, flow: parsed.data, errors: [], warnings: [] };
}
