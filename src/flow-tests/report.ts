/**
 * The report of a `chatflow test` run: for people (a line per passing conversation, the expected and
 * actual transcripts side by side for a failing one, the first divergence marked) and as JSON for CI
 * (the shape docs/conversation-tests.md documents, kept stable).
 */
import { type CoverageReport, formatCoverage } from './coverage.ts';
import type { ObservedTurn } from './observed.ts';
import type { ConversationOutcome, TestRunOutcome } from './run.ts';
import { type TranscriptRow, transcriptRows } from './transcript.ts';

/** One test file's run: its path and its flow's, as the user named them. */
export interface FileRun {
  file: string;
  flow: string;
  outcome: TestRunOutcome;
}

export interface RunReport {
  files: FileRun[];
  durationMs: number;
  coverage?: CoverageReport[];
}

/** The report fits a terminal this wide. */
export const REPORT_WIDTH = 100;
/** The gutter: the divergence marker and the step number (`>   12 `). */
const GUTTER = 7;
const SEPARATOR = ' │ ';
const COLUMN = Math.floor((REPORT_WIDTH - GUTTER - SEPARATOR.length) / 2);

/** Cut to `width` characters (code points), the last one an ellipsis when something was cut. */
export function clip(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, width - 1).join('')}…`;
}

const pad = (text: string, width: number) => {
  const clipped = clip(text, width);
  return clipped + ' '.repeat(width - [...clipped].length);
};

function row(marker: string, step: string, expected: string, actual: string): string {
  return `${marker} ${step.padStart(4)} ${pad(expected, COLUMN)}${SEPARATOR}${clip(actual, COLUMN)}`.trimEnd();
}

function sideBySide(rows: readonly TranscriptRow[]): string[] {
  const first = rows.findIndex((r) => r.diverges);
  return [
    row(' ', 'step', 'expected', 'actual'),
    `${' '.repeat(GUTTER)}${'─'.repeat(COLUMN)}─┼─${'─'.repeat(COLUMN)}`,
    ...rows.map((r, i) =>
      row(
        i === first ? '>' : r.diverges ? '!' : ' ',
        r.step === undefined ? '' : String(r.step),
        r.expected,
        r.actual,
      ),
    ),
  ];
}

function failedConversation(file: string, conversation: ConversationOutcome): string[] {
  const mismatches = conversation.steps.flatMap((step) => step.mismatches);
  return [
    `✗ ${conversation.name}  (${file} ${conversation.path}, first divergence at step ${conversation.firstDivergence})`,
    ...sideBySide(transcriptRows(conversation)),
    ...(conversation.notRun > 0 ? [`      (${conversation.notRun} more step(s) not run)`] : []),
    ...mismatches.map((m) => `  ${m.path}: expected ${m.expected}, got ${m.actual}`),
  ];
}

function summary(report: RunReport): string {
  const totals = totalsOf(report);
  const files = report.files.length === 1 ? '1 file' : `${report.files.length} files`;
  return `${totals.passed + totals.failed} conversation(s) in ${files}: ${totals.passed} passed, ${totals.failed} failed (${totals.steps} steps, ${Math.round(report.durationMs)} ms)`;
}

export function formatTestReport(report: RunReport): string {
  const lines = report.files.flatMap(({ file, flow, outcome }) => [
    `${file} (flow ${flow})`,
    ...outcome.conversations.flatMap((c) => (c.passed ? [`✓ ${c.name}`] : failedConversation(file, c))),
  ]);
  const coverage = (report.coverage ?? []).flatMap((c) => ['', ...formatCoverage(c)]);
  return `${[...lines, ...coverage, '', summary(report)].join('\n')}\n`;
}

function totalsOf(report: RunReport) {
  const sum = (pick: (o: TestRunOutcome) => number) =>
    report.files.reduce((total, { outcome }) => total + pick(outcome), 0);
  return { passed: sum((o) => o.passed), failed: sum((o) => o.failed), steps: sum((o) => o.steps) };
}

/** A turn of the actual transcript in the JSON report: what was sent, and what came back. */
type TranscriptTurn = { step?: number; user?: string; click?: string } & ObservedTurn;

function actualTranscript(conversation: ConversationOutcome): TranscriptTurn[] {
  const opening = conversation.opening ? [conversation.opening] : [];
  return [
    ...opening,
    ...conversation.steps.flatMap(({ index, step, observed }) => {
      if (!observed) return [];
      const sent =
        step.user !== undefined ? { user: step.user } : step.click !== undefined ? { click: step.click } : {};
      return [{ step: index, ...sent, ...observed }];
    }),
  ];
}

function conversationJson(conversation: ConversationOutcome) {
  return {
    name: conversation.name,
    path: conversation.path,
    passed: conversation.passed,
    ...(conversation.firstDivergence === undefined ? {} : { firstDivergence: conversation.firstDivergence }),
    mismatches: conversation.steps.flatMap(({ index, mismatches }) =>
      mismatches.map((m) => ({ step: index, path: m.path, expected: m.expected, actual: m.actual })),
    ),
    // The actual transcript of a failing conversation; the expected one is the test file.
    ...(conversation.passed ? {} : { transcript: actualTranscript(conversation) }),
  };
}

export function testReportJson(report: RunReport) {
  return {
    ...totalsOf(report),
    durationMs: Math.round(report.durationMs),
    files: report.files.map(({ file, flow, outcome }) => ({
      file,
      flow,
      conversations: outcome.conversations.map(conversationJson),
    })),
    ...(report.coverage ? { coverage: report.coverage } : {}),
  };
}

/** The report as printed: JSON with --json, else for people. */
export function renderReport(report: RunReport, json: boolean | undefined): string {
  return json ? `${JSON.stringify(testReportJson(report), null, 2)}\n` : formatTestReport(report);
}

export const anyFailed = (report: RunReport): boolean => report.files.some((run) => run.outcome.failed > 0);
