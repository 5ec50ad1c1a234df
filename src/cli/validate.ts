/**
 * `chatflow validate <file>`: the same validation as `PUT /api/flow`, for users' own CI. Pure: reads
 * nothing but the text it is given and returns the report and the exit code.
 */
import type { Flow, FlowProblem } from '../flow/types.ts';
import { validateFlow } from '../flow/validate.ts';

/** Exit codes: 0 valid (warnings allowed), 1 the flow has errors, 2 usage or I/O error. */
export const EXIT = { valid: 0, invalid: 1, usage: 2 } as const;

export interface ValidationReport {
  valid: boolean;
  errors: FlowProblem[];
  warnings: FlowProblem[];
}

/** Validates a flow document given as JSON text; text that is not JSON is one error at the root pointer. */
export function validateFlowText(text: string): ValidationReport {
  return checkFlowText(text).report;
}

/** The report, and the flow when it is valid (for the commands that go on to use it). */
export function checkFlowText(text: string): { report: ValidationReport; flow?: Flow } {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'parse error';
    return {
      report: { valid: false, errors: [{ path: '', message: `not valid JSON: ${reason}` }], warnings: [] },
    };
  }
  const result = validateFlow(document);
  const report = { valid: result.valid, errors: result.errors, warnings: result.warnings };
  return result.valid ? { report, flow: result.flow } : { report };
}

/** `<file>: <kind> <pointer>: <message>` (the root pointer is shown as `/`, as in RFC 6901 prose). */
export const problemLine = (file: string, kind: 'error' | 'warning', problem: FlowProblem): string =>
  `${file}: ${kind} ${problem.path === '' ? '/' : problem.path}: ${problem.message}`;

/** One line per problem, then a summary line. */
export function formatReport(file: string, report: ValidationReport): string {
  const line = (kind: 'error' | 'warning', problem: FlowProblem) => problemLine(file, kind, problem);
  const lines = [
    ...report.errors.map((p) => line('error', p)),
    ...report.warnings.map((p) => line('warning', p)),
  ];
  const summary = report.valid
    ? `${file}: valid (${report.warnings.length} warning(s))`
    : `${file}: invalid (${report.errors.length} error(s), ${report.warnings.length} warning(s))`;
  return `${[...lines, summary].join('\n')}\n`;
}
