/**
 * Debian's Chromium driven by playwright-core: one browser per test file, a fresh page (and so a fresh
 * sessionStorage) per test. Every page records console errors, page errors and dialogs: a test ends by
 * asserting there were none (a CSP violation is a console error; an executed `alert` is a dialog).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const OUTPUT_DIR = join(ROOT, 'test-output');
const DOCS_SCREENSHOTS = join(ROOT, 'docs', 'screenshots');

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized' };

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface Watched {
  page: Page;
  /** Console errors, uncaught exceptions and dialogs seen so far. */
  problems: string[];
  /** No problem, except the browser's log line for each HTTP error status the test caused on purpose. */
  assertClean(expectedStatuses?: number[]): void;
  close(): Promise<void>;
}

/** A new page on the playground, watched for errors; with `token`, the admin token is typed in. */
export async function openPlayground(
  browser: Browser,
  url: string,
  token?: string,
  options: { sessionStorage?: Record<string, string> } = {},
): Promise<Watched> {
  // A context of its own (axe-core needs one): fresh storage for every test.
  const context = await browser.newContext({ viewport: { width: 1180, height: 820 } });
  const page = await context.newPage();
  if (options.sessionStorage) {
    // As if this tab had been used before (e.g. another tab's conversation copied into it).
    const entries = JSON.stringify(options.sessionStorage);
    await page.addInitScript(
      `for (const [k, v] of Object.entries(${entries})) sessionStorage.setItem(k, v);`,
    );
  }
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(`${url}/`);
  if (token !== undefined) {
    await page.getByLabel('Admin token').fill(token);
    await page.getByRole('button', { name: 'Save' }).click();
  }
  return {
    page,
    problems,
    assertClean: (expectedStatuses = []) => {
      const expected = new Set(
        expectedStatuses.map(
          (status) =>
            `console: Failed to load resource: the server responded with a status of ${status} (${STATUS_TEXT[status] ?? ''})`,
        ),
      );
      assert.deepEqual(
        problems.filter((problem) => !expected.has(problem)),
        [],
        'no console error, page error or dialog',
      );
    },
    close: () => context.close(),
  };
}

/**
 * Saves a screenshot of the screen under test-output/ (and docs/screenshots/ with UPDATE_SCREENSHOTS=1)
 * and checks it with axe-core: no serious or critical accessibility violation.
 */
export async function checkScreen(
  page: Page,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<void> {
  await mkdir(OUTPUT_DIR, { recursive: true });
  const png = await page.screenshot({ fullPage: options.fullPage === true });
  await writeFile(join(OUTPUT_DIR, `${name}.png`), png);
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    await mkdir(DOCS_SCREENSHOTS, { recursive: true });
    await writeFile(join(DOCS_SCREENSHOTS, `${name}.png`), png);
  }
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  await writeFile(join(OUTPUT_DIR, `${name}.axe.json`), JSON.stringify(results.violations, null, 2));
  assert.deepEqual(
    serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    [],
    `axe-core on the ${name} screen`,
  );
  assert.ok(results.passes.length > 10, 'axe-core ran its checks');
}
