/**
 * Where a JSON pointer (RFC 6901, as the validator reports problems) is in the editor's text, found in
 * CodeMirror's JSON syntax tree. A pointer to something missing (a required field) resolves to the
 * nearest enclosing part that exists.
 */
import { ensureSyntaxTree, syntaxTree } from '@codemirror/language';
import type { EditorState } from '@codemirror/state';
import type { SyntaxNode } from '@lezer/common';

export interface Location {
  from: number;
  to: number;
  /** False when the pointer names something absent and `from`/`to` mark its nearest ancestor. */
  exact: boolean;
}

const VALUES = new Set(['True', 'False', 'Null', 'Number', 'String', 'Object', 'Array']);
/** Parsing a document of the largest allowed size takes far less; this only bounds a pathological one. */
const PARSE_BUDGET_MS = 500;

export function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const list: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) list.push(child);
  return list;
}

const valueIn = (node: SyntaxNode) => childrenOf(node).find((child) => VALUES.has(child.name)) ?? null;

function keyOf(state: EditorState, property: SyntaxNode): string | null {
  const name = property.getChild('PropertyName');
  if (!name) return null;
  try {
    return JSON.parse(state.sliceDoc(name.from, name.to)) as string;
  } catch {
    return null;
  }
}

/** The range to mark for a value reached through `property` (null for an array item or the root). */
function rangeOf(value: SyntaxNode, property: SyntaxNode | null): { from: number; to: number } {
  const container = value.name === 'Object' || value.name === 'Array';
  const name = property?.getChild('PropertyName');
  if (property && name)
    return container ? { from: name.from, to: name.to } : { from: property.from, to: property.to };
  // A whole object would mark many lines: its opening bracket stands for it.
  return container ? { from: value.from, to: value.from + 1 } : { from: value.from, to: value.to };
}

export function locatePointer(state: EditorState, pointer: string): Location {
  const tree = ensureSyntaxTree(state, state.doc.length, PARSE_BUDGET_MS) ?? syntaxTree(state);
  let value = valueIn(tree.topNode);
  let property: SyntaxNode | null = null;
  if (!value) return { from: 0, to: Math.min(1, state.doc.length), exact: false };
  for (const segment of decodePointer(pointer)) {
    let next: SyntaxNode | null = null;
    let nextProperty: SyntaxNode | null = null;
    if (value.name === 'Object') {
      nextProperty = value.getChildren('Property').find((p) => keyOf(state, p) === segment) ?? null;
      next = nextProperty ? valueIn(nextProperty) : null;
    } else if (value.name === 'Array' && /^(0|[1-9][0-9]*)$/.test(segment)) {
      next = childrenOf(value).filter((child) => VALUES.has(child.name))[Number(segment)] ?? null;
    }
    if (!next) return { ...rangeOf(value, property), exact: false };
    value = next;
    property = nextProperty;
  }
  return { ...rangeOf(value, property), exact: true };
}
