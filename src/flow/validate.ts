/**
 * Flow validation: every problem, located by JSON pointer. Never throws, whatever the input.
 *
 * Errors: schema violations, duplicate block ids, duplicate intent ids in a block, transitions naming
 * no block, `maxNoMatch`/`onMaxNoMatch` without each other, `matches` patterns that do not compile in
 * the linear-time engine, wait-less cycles, paths longer than the engine runs in one step, and the
 * variable name `__proto__` (variables.ts).
 * Warnings: unreachable blocks.
 */
import type { z } from 'zod';
import { forbiddenPlaceholders, forbiddenSetKeys } from './forbidden-names.ts';
import { type FlowGraph, readGraph, stronglyConnectedComponents } from './graph.ts';
import { compilePattern, walkTests } from './patterns.ts';
import { flowSchema } from './schema.ts';
import { overlongSteps } from './step-length.ts';
import type { Flow, FlowProblem } from './types.ts';

export type ValidationResult =
  | { valid: true; flow: Flow; errors: []; warnings: FlowProblem[] }
  | { valid: false; errors: FlowProblem[]; warnings: FlowProblem[] };

/** RFC 6901 pointer from a path of keys. */
export function toPointer(path: readonly PropertyKey[]): string {
  return path.map((key) => `/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/**
 * zod's "expected string, received undefined" means the field is missing: say so. A bad key of a
 * record (a `set` block's variable name) says why, not only "Invalid key in record".
 */
function friendlier(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_key') return `invalid name: ${issue.issues.map((i) => i.message).join('; ')}`;
  return issue.code === 'invalid_type' && issue.message.endsWith('received undefined')
    ? `required field missing (expected ${issue.expected})`
    : issue.message;
}

/** Problems of a zod parse, each at its JSON pointer (also used for conversation-test files). */
export function schemaProblems(error: z.ZodError): FlowProblem[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: toPointer([...issue.path, key]),
          message: `unknown field "${key}"`,
        }))
      : [{ path: toPointer(issue.path), message: friendlier(issue) }],
  );
}

function duplicateBlockIds(graph: FlowGraph): FlowProblem[] {
  const seen = new Map<string, number>();
  const problems: FlowProblem[] = [];
  for (const node of graph.nodes) {
    const first = seen.get(node.id);
    if (first === undefined) seen.set(node.id, node.index);
    else
      problems.push({
        path: `/blocks/${node.index}/id`,
        message: `duplicate block id "${node.id}" (first used at /blocks/${first})`,
      });
  }
  return problems;
}

function duplicateIntentIds(document: unknown): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const blocks = (document as { blocks?: unknown })?.blocks;
  if (!Array.isArray(blocks)) return problems;
  blocks.forEach((block, b) => {
    const intents = (block as { intents?: unknown })?.intents;
    if (!Array.isArray(intents)) return;
    const seen = new Set<string>();
    intents.forEach((intent, i) => {
      const id = (intent as { id?: unknown })?.id;
      if (typeof id !== 'string') return;
      if (seen.has(id))
        problems.push({
          path: `/blocks/${b}/intents/${i}/id`,
          message: `duplicate intent id "${id}" in this block`,
        });
      seen.add(id);
    });
  });
  return problems;
}

function danglingTargets(document: unknown, graph: FlowGraph): FlowProblem[] {
  const ids = new Set(graph.nodes.map((node) => node.id));
  const problems: FlowProblem[] = [];
  const start = (document as { start?: unknown })?.start;
  if (typeof start === 'string' && !ids.has(start))
    problems.push({ path: '/start', message: `no block has the id "${start}"` });
  for (const edge of graph.edges) {
    if (!ids.has(edge.target))
      problems.push({ path: edge.path, message: `no block has the id "${edge.target}"` });
  }
  return problems;
}

/** A turn runs until a `wait` or `end` block: a cycle through neither would never stop. */
function waitlessCycles(graph: FlowGraph): FlowProblem[] {
  const position = new Map<string, number>();
  graph.nodes.forEach((node, i) => {
    if (!position.has(node.id)) position.set(node.id, i);
  });
  const nodeOfBlock = new Map(graph.nodes.map((node, i) => [node.index, i]));
  const successors = graph.nodes.map(() => [] as number[]);
  const closing: { from: number; to: number; path: string }[] = [];
  for (const edge of graph.edges) {
    const from = nodeOfBlock.get(edge.from) as number;
    const to = position.get(edge.target);
    if (to === undefined || graph.nodes[from]?.type === 'wait') continue;
    successors[from]?.push(to);
    closing.push({ from, to, path: edge.path });
  }
  const problems: FlowProblem[] = [];
  for (const component of stronglyConnectedComponents(successors)) {
    const members = new Set(component);
    // A lone block is a cycle only through an edge to itself.
    const edge = closing.find((e) => members.has(e.from) && members.has(e.to));
    if (!edge) continue;
    const names = component
      .map((i) => graph.nodes[i] as { id: string; index: number })
      .sort((a, b) => a.index - b.index)
      .map((node) => node.id);
    problems.push({
      path: edge.path,
      message: `cycle without a wait or end block (it would loop forever in one turn): ${names.join(' → ')}`,
    });
  }
  return problems;
}

function noMatchPairs(flow: Flow): FlowProblem[] {
  const problems: FlowProblem[] = [];
  flow.blocks.forEach((block, b) => {
    if (block.type !== 'intent') return;
    if (block.maxNoMatch !== undefined && block.onMaxNoMatch === undefined)
      problems.push({ path: `/blocks/${b}/onMaxNoMatch`, message: 'required when maxNoMatch is set' });
    if (block.onMaxNoMatch !== undefined && block.maxNoMatch === undefined)
      problems.push({ path: `/blocks/${b}/maxNoMatch`, message: 'required when onMaxNoMatch is set' });
  });
  return problems;
}

function badPatterns(flow: Flow): FlowProblem[] {
  const problems: FlowProblem[] = [];
  flow.blocks.forEach((block, b) => {
    if (block.type !== 'condition') return;
    block.cases.forEach((c, i) => {
      walkTests(c.if, `/blocks/${b}/cases/${i}/if`, (test, path) => {
        if (!('matches' in test)) return;
        const compiled = compilePattern(test.matches, test.ignoreCase === true);
        if (!compiled.ok) problems.push({ path: `${path}/matches`, message: compiled.message });
      });
    });
  });
  return problems;
}

function unreachableBlocks(flow: Flow, graph: FlowGraph): FlowProblem[] {
  const targets = new Map<string, string[]>();
  for (const edge of graph.edges) {
    const from = flow.blocks[edge.from]?.id as string;
    targets.set(from, [...(targets.get(from) ?? []), edge.target]);
  }
  const reached = new Set<string>([flow.start]);
  const queue = [flow.start];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const target of targets.get(id) ?? []) {
      if (!reached.has(target)) {
        reached.add(target);
        queue.push(target);
      }
    }
  }
  return flow.blocks.flatMap((block, b) =>
    reached.has(block.id)
      ? []
      : [{ path: `/blocks/${b}`, message: `block "${block.id}" is unreachable from start` }],
  );
}

/** Validates a parsed JSON document as a flow. */
export function validateFlow(document: unknown): ValidationResult {
  const graph = readGraph(document);
  const graphErrors = [
    ...duplicateBlockIds(graph),
    ...duplicateIntentIds(document),
    ...danglingTargets(document, graph),
    ...waitlessCycles(graph),
    ...overlongSteps(graph),
    ...forbiddenSetKeys(document),
  ];
  const parsed = flowSchema.safeParse(document);
  if (!parsed.success) {
    return { valid: false, errors: [...schemaProblems(parsed.error), ...graphErrors], warnings: [] };
  }
  const flow = parsed.data;
  const errors = [
    ...graphErrors,
    ...noMatchPairs(flow),
    ...badPatterns(flow),
    ...forbiddenPlaceholders(flow),
  ];
  const warnings = errors.length === 0 ? unreachableBlocks(flow, graph) : [];
  if (errors.length > 0) return { valid: false, errors, warnings };
  return { valid: true, flow, errors: [], warnings };
}
