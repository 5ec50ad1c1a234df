/**
 * `chatflow eval FLOW.json --block ID DATA.csv`: how well an intent block understands labelled texts,
 * with the classifier the server would use for it. The flow is validated as `chatflow validate` does;
 * the block's model is trained as the server trains it (the same offline classifier, the same router
 * and provider choice, OpenAI when OPENAI_API_KEY is set and the block's provider or INTENT_PROVIDER
 * says so, with the same deadline). The metrics are src/intent/evaluation.ts.
 *
 * Exit code: 0 evaluated, 1 the flow is invalid or some classifications failed (provider errors: the
 * figures are printed, but they are not the classifier's), 2 usage or data error.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { type Classification, intentDefinitions } from '../engine/index.ts';
import type { Flow, IntentBlock } from '../flow/types.ts';
import { OPENAI_DEFAULTS } from '../intent/defaults.ts';
import {
  type CurveRow,
  type Evaluation,
  evaluate,
  type LabelledAnswer,
  NO_MATCH,
  outcomeOf,
  type Ratio,
  type ThresholdSetting,
} from '../intent/evaluation.ts';
import { DEFAULT_MIN_CONFIDENCE, OfflineIntentClassifier } from '../intent/offline/index.ts';
import { createIntentRouter, intentSettingsOf } from '../intent/router-factory.ts';
import { CsvError, parseCsv } from './csv.ts';
import { readBounded, UsageProblem } from './read-bounded.ts';
import { checkFlowText, EXIT, formatReport } from './validate.ts';

export const EVAL_LIMITS = {
  maxFileBytes: 5 * 1024 * 1024,
  maxRows: 10_000,
  /** A text longer than the chat accepts by default (WS_MAX_TEXT_CHARS) is not a user's message. */
  maxTextChars: 4_000,
  /** Classifications in flight at once (they matter for OpenAI; the offline model answers at once). */
  concurrency: 4,
} as const;

/** The variables of the intent configuration: the rest of the server's environment is not eval's business. */
const INTENT_VARIABLES = [
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'OPENAI_MODEL',
  'INTENT_PROVIDER',
  'INTENT_TIMEOUT_MS',
  'INTENT_MODEL_CACHE_MB',
] as const;

/** Any flow version number: the classifier keys its model by (version, block). */
const EVAL_FLOW_VERSION = 1;

type Out = { stdout: (text: string) => void; stderr: (text: string) => void };

interface LabelledText {
  text: string;
  expected: string | null;
}

/** The labelled texts of a CSV file, checked against the block's intents. */
export function readLabelledTexts(path: string, text: string, intentIds: readonly string[]): LabelledText[] {
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvError) throw new UsageProblem(`${path}: ${err.message}`);
    throw err;
  }
  const [header, ...rows] = records;
  if (header === undefined || header.fields.join(',') !== 'text,intent') {
    throw new UsageProblem(`${path}: line 1: the header row must be "text,intent"`);
  }
  if (rows.length === 0) throw new UsageProblem(`${path}: no rows after the header`);
  if (rows.length > EVAL_LIMITS.maxRows) {
    throw new UsageProblem(`${path}: ${rows.length} rows, at most ${EVAL_LIMITS.maxRows}`);
  }
  const known = new Set(intentIds);
  return rows.map(({ line, fields }) => {
    const at = `${path}: line ${line}`;
    if (fields.length !== 2)
      throw new UsageProblem(`${at}: ${fields.length} field(s), expected 2 (text,intent)`);
    const [textField = '', intent = ''] = fields;
    if (textField.trim() === '') throw new UsageProblem(`${at}: the text is empty`);
    const chars = [...textField].length;
    if (chars > EVAL_LIMITS.maxTextChars) {
      throw new UsageProblem(`${at}: the text has ${chars} characters, at most ${EVAL_LIMITS.maxTextChars}`);
    }
    const expected = intent.trim();
    if (expected !== '' && !known.has(expected)) {
      throw new UsageProblem(
        `${at}: "${expected}" is not an intent of the block (its intents: ${intentIds.join(', ')}; leave it empty for a text that belongs to none)`,
      );
    }
    return { text: textField, expected: expected === '' ? null : expected };
  });
}

function intentBlockOf(flow: Flow, blockId: string): IntentBlock {
  const block = flow.blocks.find((candidate) => candidate.id === blockId);
  if (!block) {
    const intentBlocks = flow.blocks.filter((b) => b.type === 'intent').map((b) => b.id);
    const hint = intentBlocks.length > 0 ? `its intent blocks: ${intentBlocks.join(', ')}` : 'it has none';
    throw new UsageProblem(`the flow has no block "${blockId}" (${hint})`);
  }
  if (block.type !== 'intent') {
    throw new UsageProblem(`block "${blockId}" is a ${block.type} block, not an intent block`);
  }
  return block;
}

function intentConfig(env: NodeJS.ProcessEnv) {
  const picked = Object.fromEntries(INTENT_VARIABLES.map((name) => [name, env[name]]));
  try {
    return loadConfig(picked);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageProblem(err.message);
    throw err;
  }
}

/** Runs `work` over `items` with at most `limit` in flight; results in the items' order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface Run {
  provider: 'local' | 'openai';
  setting: ThresholdSetting;
  thresholdSource: string;
  answers: (LabelledAnswer & { answer: Classification })[];
}

async function classifyAll(
  flow: Flow,
  block: IntentBlock,
  texts: readonly LabelledText[],
  env: NodeJS.ProcessEnv,
): Promise<Run> {
  const config = intentConfig(env);
  const { settings } = intentSettingsOf(config);
  const requested = block.provider ?? flow.settings?.intent?.provider ?? settings.provider;
  const provider = requested === 'local' || (requested === 'auto' && !settings.openai) ? 'local' : 'openai';
  if (provider === 'openai' && !settings.openai) {
    throw new UsageProblem(
      `block "${block.id}" asks for the openai provider, but OPENAI_API_KEY is not set (set it, or INTENT_PROVIDER/the block's provider to local)`,
    );
  }
  const offline = new OfflineIntentClassifier({ maxCachedBytes: config.intentModelCacheBytes });
  const router = createIntentRouter(settings, { local: offline, certainMatch: offline.certainMatch });
  const intents = intentDefinitions(block);
  await router.prepare(EVAL_FLOW_VERSION, [{ blockId: block.id, intents }]);
  const blockProvider = block.provider ?? flow.settings?.intent?.provider;
  const answers = await mapBounded(texts, EVAL_LIMITS.concurrency, async ({ text, expected }) => ({
    expected,
    answer: await router.classify({
      flowVersion: EVAL_FLOW_VERSION,
      blockId: block.id,
      text,
      intents,
      ...(blockProvider ? { provider: blockProvider } : {}),
    }),
  }));
  const providerDefault =
    provider === 'local' ? DEFAULT_MIN_CONFIDENCE : OPENAI_DEFAULTS.defaultMinConfidence;
  const minConfidence = block.minConfidence ?? flow.settings?.intent?.minConfidence;
  const thresholdSource =
    block.minConfidence !== undefined
      ? "the block's minConfidence"
      : minConfidence !== undefined
        ? "the flow's settings.intent.minConfidence"
        : `the ${provider} provider's default`;
  return {
    provider,
    setting: minConfidence === undefined ? { providerDefault } : { minConfidence, providerDefault },
    thresholdSource,
    answers,
  };
}

const percent = (share: number) => `${Number((share * 100).toFixed(1))}%`;
const ratio = ({ count, of }: Ratio) => (of === 0 ? '-' : `${count}/${of} (${percent(count / of)})`);
/** Two decimals (0.40), or as many as a block's threshold has (0.425). */
const decimals = (threshold: number) =>
  Number(threshold.toFixed(2)) === threshold ? threshold.toFixed(2) : String(threshold);

/** A Markdown table with padded columns: readable in a terminal, and pasted as is into a document. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** Consecutive thresholds with the same figures, as one row "0.00–0.30". */
function curveRows(result: Evaluation): string[][] {
  const rows: { from: number; to: number; right: string; rejected: string }[] = [];
  for (const point of result.curve) {
    const right = ratio({ count: point.rightCount, of: result.scored });
    const rejected = ratio({ count: point.rejectedCount, of: result.scored });
    const last = rows.at(-1);
    if (last && last.right === right && last.rejected === rejected) last.to = point.threshold;
    else rows.push({ from: point.threshold, to: point.threshold, right, rejected });
  }
  return rows.map(({ from, to, right, rejected }) => [
    from === to ? decimals(from) : `${decimals(from)}–${decimals(to)}`,
    right,
    rejected,
  ]);
}

export function formatEvaluation(
  context: {
    flowPath: string;
    blockId: string;
    provider: string;
    thresholdSource: string;
    /** Answers given by the offline classifier because OpenAI failed (auto mode, or an open breaker). */
    fallbacks: number;
  },
  result: Evaluation,
): string {
  const { flowPath, blockId, provider, thresholdSource, fallbacks } = context;
  const chosen = result.curve.find((point) => Math.abs(point.threshold - result.chosenThreshold) < 1e-9);
  const rightAt = (point: CurveRow | undefined) =>
    point ? ratio({ count: point.rightCount, of: result.scored }) : '-';
  const sections = [
    `# Block "${blockId}" of ${flowPath}`,
    [
      `${result.rows} texts: ${result.inScope} with an intent, ${result.outOfScope} with none.`,
      `Provider: ${provider}. Threshold: ${decimals(result.threshold)} (${thresholdSource}).`,
      ...(result.errors > 0
        ? [`${result.errors} classification(s) failed: counted wrong, and left out of the curve.`]
        : []),
      ...(fallbacks > 0
        ? [`${fallbacks} answer(s) came from the offline classifier, because OpenAI failed (fallback).`]
        : []),
    ].join('\n'),
    `Accuracy at ${decimals(result.threshold)}: ${ratio(result.accuracy)}`,
    `## Per intent\n\n${table(
      ['intent', 'precision', 'recall'],
      result.perIntent.map((score) => [score.intent, ratio(score.precision), ratio(score.recall)]),
    )}`,
    `## Costliest confusions\n\n${
      result.confusions.length === 0
        ? 'None: every text got the expected answer.'
        : table(
            ['expected', 'got', 'count'],
            result.confusions.map((c) => [c.expected, c.got, String(c.count)]),
          )
    }`,
    `## Threshold curve\n\nRight answers and no-matches if every answer were held to the threshold:\n\n${table(
      ['threshold', 'right', 'rejected'],
      curveRows(result),
    )}`,
    `Chosen threshold: ${decimals(result.chosenThreshold)}, ${rightAt(chosen)} right (at ${decimals(result.threshold)}: ${rightAt(result.atThreshold)}).`,
  ];
  return `${sections.join('\n\n')}\n`;
}

/** The command; `usage` is its help text (USAGE.eval of run.ts). */
export async function evalCommand(
  args: string[],
  out: Out,
  usage: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { block: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (values.help) {
    out.stdout(usage);
    return EXIT.valid;
  }
  const [flowPath, dataPath, ...extra] = positionals;
  if (flowPath === undefined || dataPath === undefined || extra.length > 0) {
    out.stderr(`chatflow: eval takes a flow file and a data file\n\n${usage}`);
    return EXIT.usage;
  }
  if (values.block === undefined) {
    out.stderr(`chatflow: eval needs --block <id>, the intent block to evaluate\n\n${usage}`);
    return EXIT.usage;
  }
  try {
    const { report, flow } = checkFlowText(await readBounded(flowPath, EVAL_LIMITS.maxFileBytes));
    if (!flow) {
      out.stderr(formatReport(flowPath, report));
      return EXIT.invalid;
    }
    const block = intentBlockOf(flow, values.block);
    const intentIds = block.intents.map((intent) => intent.id);
    const texts = readLabelledTexts(
      dataPath,
      await readBounded(dataPath, EVAL_LIMITS.maxFileBytes),
      intentIds,
    );
    const run = await classifyAll(flow, block, texts, env);
    const result = evaluate(run.answers, intentIds, run.setting);
    if (values.json) {
      const answers = run.answers.map(({ expected, answer }, i) => ({
        text: texts[i]?.text,
        expected: expected ?? NO_MATCH,
        got: outcomeOf(answer, run.setting),
        provider: answer.provider,
        ...(answer.fallback ? { fallback: true } : {}),
        ...(answer.kind === 'error' ? { error: answer.code } : {}),
        ...(answer.kind !== 'error' && answer.confidence !== undefined
          ? { confidence: answer.confidence }
          : {}),
      }));
      const document = {
        flow: flowPath,
        block: block.id,
        provider: run.provider,
        thresholdSource: run.thresholdSource,
        ...result,
        answers,
      };
      out.stdout(`${JSON.stringify(document, null, 2)}\n`);
    } else {
      const context = {
        flowPath,
        blockId: block.id,
        provider: run.provider,
        thresholdSource: run.thresholdSource,
        fallbacks: run.answers.filter(({ answer }) => answer.fallback).length,
      };
      out.stdout(formatEvaluation(context, result));
    }
    return result.errors > 0 ? EXIT.invalid : EXIT.valid;
  } catch (err) {
    if (!(err instanceof UsageProblem)) throw err;
    out.stderr(`chatflow: ${err.message}\n`);
    return EXIT.usage;
  }
}
