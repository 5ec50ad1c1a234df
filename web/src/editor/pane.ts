/**
 * The flow editor: load the current flow or a file, validate and publish through the admin API, every
 * problem listed with its line and marked in the editor at its JSON pointer; the version list with rollback.
 */
import type { Diagnostic } from '@codemirror/lint';
import type { EditorView } from '@codemirror/view';
import { adminToken, api, describeFailure, type ProblemDetail, type VersionSummary } from '../admin.ts';
import { button, el, formatTime, replaceChildren } from '../dom.ts';
import { emit } from '../events.ts';
import { createEditor } from './codemirror.ts';
import { locatePointer } from './pointer.ts';

/** Larger files are refused before reading (the server's default body limit is 5 MiB). */
const MAX_FILE_BYTES = 5 * 1024 * 1024;

interface Problem extends ProblemDetail {
  severity: 'error' | 'warning';
}

export function mountEditor(root: HTMLElement): void {
  const status = el('p', { class: 'message', role: 'status', 'data-testid': 'editor-status' });
  const problems = el('ol', { class: 'problems', 'data-testid': 'problems' });
  const versionRows = el('tbody');
  const fileInput = el('input', {
    type: 'file',
    accept: '.json,application/json',
    class: 'visually-hidden',
    id: 'flow-file',
  });
  const host = el('div', { class: 'editor-host', 'data-testid': 'editor' });

  const editor = createEditor(host, (view) => check(view), 'Flow JSON');

  replaceChildren(
    root,
    el('div', { class: 'pane-head' }, el('h2', {}, 'Flow editor')),
    el(
      'div',
      { class: 'toolbar' },
      button('Load current flow', () => void loadCurrent()),
      el('label', { class: 'file-button', for: 'flow-file' }, 'Open file…'),
      fileInput,
      button('Validate', () => void validate()),
      button('Publish', () => void publish(), { class: 'primary' }),
    ),
    status,
    host,
    el('h3', {}, 'Problems'),
    problems,
    el(
      'div',
      { class: 'pane-head' },
      el('h3', {}, 'Versions'),
      button('Refresh', () => void loadVersions()),
    ),
    el(
      'table',
      { class: 'versions', 'data-testid': 'versions' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['Version', 'Name', 'Created', 'State', 'Actions'].map((h) => el('th', { scope: 'col' }, h)),
        ),
      ),
      versionRows,
    ),
  );

  function located(view: EditorView, list: Problem[]): Diagnostic[] {
    return list.map((problem) => {
      const where = locatePointer(view.state, problem.path);
      return {
        from: where.from,
        to: where.to,
        severity: problem.severity,
        source: problem.path || '/',
        message: problem.message,
      };
    });
  }

  /** Lists the problems with their line and column; each item moves the cursor there. */
  function listProblems(diagnostics: Diagnostic[]): void {
    replaceChildren(problems);
    const doc = editor.view.state.doc;
    for (const d of [...diagnostics].sort((a, b) => a.from - b.from)) {
      const line = doc.lineAt(d.from);
      const where = `Line ${line.number}, column ${d.from - line.from + 1}`;
      problems.append(
        el(
          'li',
          { class: `problem ${d.severity}`, 'data-path': d.source ?? '' },
          button(`${where}`, () => editor.focusAt(d.from), { class: 'link', 'data-line': line.number }),
          el('span', { class: 'severity' }, d.severity === 'error' ? ' error ' : ' warning '),
          el('code', {}, d.source ?? ''),
          ` ${d.message}`,
        ),
      );
    }
  }

  function problemsOf(errors: ProblemDetail[], warnings: ProblemDetail[]): Problem[] {
    return [
      ...errors.map((p) => ({ ...p, severity: 'error' as const })),
      ...warnings.map((p) => ({ ...p, severity: 'warning' as const })),
    ];
  }

  /** The server's verdict on the editor's text, as diagnostics (also listed under the editor). */
  async function check(view: EditorView): Promise<Diagnostic[]> {
    if (adminToken.get() === null) return [];
    const text = view.state.doc.toString();
    const result = await api.validate(text);
    if (!result.ok) {
      status.textContent = describeFailure(result);
      return [];
    }
    if (view.state.doc.toString() !== text) return []; // edited meanwhile: the next run answers
    const diagnostics = located(view, problemsOf(result.body.errors, result.body.warnings));
    listProblems(diagnostics);
    return diagnostics;
  }

  async function validate(): Promise<void> {
    status.textContent = 'Validating…';
    const diagnostics = await check(editor.view);
    if (adminToken.get() === null) {
      status.textContent = 'Type the admin token at the top of the page first.';
      return;
    }
    editor.show(diagnostics);
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    if (status.textContent === 'Validating…') {
      status.textContent = errors === 0 ? 'The flow is valid.' : `The flow has ${errors} problem(s).`;
    }
  }

  async function publish(): Promise<void> {
    status.textContent = 'Publishing…';
    const result = await api.publish(editor.text());
    if (result.ok) {
      const warnings = result.body.warnings.length;
      status.textContent = `Published version ${result.body.version}${warnings ? ` with ${warnings} warning(s)` : ''}.`;
      const diagnostics = located(editor.view, problemsOf([], result.body.warnings));
      editor.show(diagnostics);
      listProblems(diagnostics);
      emit('flowChanged', result.body.version);
      await loadVersions();
      return;
    }
    if (result.code === 'INVALID_FLOW') {
      const diagnostics = located(editor.view, problemsOf(result.details, []));
      editor.show(diagnostics);
      listProblems(diagnostics);
      status.textContent = `Not published: the flow has ${result.details.length} problem(s).`;
      return;
    }
    status.textContent = `Not published: ${describeFailure(result)}`;
  }

  async function loadText(load: Promise<Awaited<ReturnType<typeof api.currentFlowText>>>, what: string) {
    const result = await load;
    if (!result.ok) {
      status.textContent = describeFailure(result);
      return;
    }
    editor.setText(result.body);
    replaceChildren(problems);
    status.textContent = `Loaded ${what}.`;
  }

  const loadCurrent = () => loadText(api.currentFlowText(), 'the current flow');

  async function activate(version: number): Promise<void> {
    const result = await api.activate(version);
    if (!result.ok) {
      status.textContent = describeFailure(result);
      return;
    }
    status.textContent = `Version ${version} is current again. New conversations start on it.`;
    emit('flowChanged', version);
    await loadVersions();
  }

  function versionRow(v: VersionSummary): HTMLTableRowElement {
    return el(
      'tr',
      { 'data-version': v.version, class: v.current ? 'current' : undefined },
      el('td', {}, String(v.version)),
      el('td', {}, v.name),
      el('td', {}, formatTime(v.createdAt)),
      el('td', {}, v.current ? 'current' : ''),
      el(
        'td',
        { class: 'actions' },
        button('Open', () => void loadText(api.versionText(v.version), `version ${v.version}`), {
          'aria-label': `Open version ${v.version} in the editor`,
        }),
        button('Make current', () => void activate(v.version), {
          disabled: v.current,
          'aria-label': `Make version ${v.version} current`,
        }),
      ),
    );
  }

  async function loadVersions(): Promise<void> {
    const result = await api.versions();
    if (!result.ok) {
      replaceChildren(versionRows);
      return;
    }
    replaceChildren(versionRows, ...result.body.versions.map(versionRow));
  }

  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      status.textContent = `${file.name} is larger than 5 MiB.`;
      return;
    }
    void file.text().then((text) => {
      editor.setText(text);
      replaceChildren(problems);
      status.textContent = `Opened ${file.name}. Validate or publish it.`;
    });
  });

  async function onToken(): Promise<void> {
    if (adminToken.get() === null) {
      replaceChildren(versionRows);
      return;
    }
    await loadVersions();
    if (editor.text() === '') await loadCurrent();
  }
  adminToken.onChange(() => void onToken());
  void onToken();
}
