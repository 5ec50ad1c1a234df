/**
 * The CodeMirror 6 editor: JSON highlighting, syntax errors as you type, and the server's validation
 * (schema and graph checks, the same code as uploads) as lint diagnostics at each problem's JSON pointer.
 *
 * It lives in a shadow root on purpose: CodeMirror then installs its styles as a constructed stylesheet,
 * which the page's Content-Security-Policy (no inline styles) allows, instead of a <style> element.
 */
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { json, jsonParseLinter } from '@codemirror/lang-json';
import {
  bracketMatching,
  foldGutter,
  foldKeymap,
  HighlightStyle,
  indentOnInput,
  syntaxHighlighting,
} from '@codemirror/language';
import { type Diagnostic, linter, lintGutter, lintKeymap, setDiagnostics } from '@codemirror/lint';
import {
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { tags } from '@lezer/highlight';

/** The parts of CodeMirror's basic setup an editor of JSON needs (no search or autocompletion: a smaller bundle). */
const setup = [
  lineNumbers(),
  foldGutter(),
  highlightActiveLine(),
  highlightActiveLineGutter(),
  history(),
  indentOnInput(),
  bracketMatching(),
  keymap.of([...defaultKeymap, ...historyKeymap, ...foldKeymap, ...lintKeymap, indentWithTab]),
];

/** Colours with at least 4.5:1 contrast on white (the default theme's grey gutter has less). */
const theme = EditorView.theme({
  '&': { height: '26rem', border: '1px solid #767676', borderRadius: '4px', fontSize: '13px' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' },
  '.cm-gutters': { backgroundColor: '#f3f3f3', color: '#4a4a4a', borderRight: '1px solid #ccc' },
  '.cm-activeLineGutter': { backgroundColor: '#e2e2e2', color: '#1a1a1a' },
  '.cm-activeLine': { backgroundColor: '#f4f8ff' },
  '&.cm-focused': { outline: '2px solid #1d4ed8' },
});

const highlight = HighlightStyle.define([
  { tag: tags.propertyName, color: '#1d4e89' },
  { tag: tags.string, color: '#8a1c1c' },
  { tag: tags.number, color: '#1b6b2a' },
  { tag: [tags.bool, tags.null], color: '#6b2aa8' },
  { tag: tags.invalid, color: '#b00020' },
]);

export interface FlowEditor {
  view: EditorView;
  text(): string;
  setText(text: string): void;
  show(diagnostics: Diagnostic[]): void;
  focusAt(position: number): void;
}

export function createEditor(
  host: HTMLElement,
  check: (view: EditorView) => Promise<Diagnostic[]>,
  label: string,
): FlowEditor {
  const shadow = host.attachShadow({ mode: 'open' });
  const parent = document.createElement('div');
  shadow.append(parent);
  const syntax = jsonParseLinter();
  const view = new EditorView({
    parent,
    root: shadow,
    extensions: [
      setup,
      json(),
      syntaxHighlighting(highlight),
      theme,
      lintGutter(),
      // Syntax errors at once; the server's verdict only for text that parses.
      linter((v) => (syntax(v).length > 0 ? syntax(v) : check(v)), { delay: 700 }),
      EditorView.contentAttributes.of({ 'aria-label': label }),
    ],
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    show(diagnostics) {
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    focusAt(position) {
      view.dispatch({ selection: { anchor: position }, scrollIntoView: true });
      view.focus();
    },
  };
}
