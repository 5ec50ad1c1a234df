/**
 * Chromium driven by playwright-core: one browser per test file, a fresh page (and so a fresh
 * sessionStorage) per test. Every page records console errors, page errors and dialogs: a test ends by
 * asserting there were none (a CSP violation is a console error; an executed `alert` is a dialog).
 *
 * The browser: CHROMIUM_PATH if set, else the system's /usr/bin/chromium if there is one, else the
 * headless Chromium of the `@sparticuz/chromium` package, unpacked once into
 * node_modules/.cache/chatflow-chromium/<version> with the libraries (NSS) and fonts it brings.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const OUTPUT_DIR = join(ROOT, 'test-output');
const DOCS_SCREENSHOTS = join(ROOT, 'docs', 'screenshots');
const CACHE = join(ROOT, 'node_modules', '.cache', 'chatflow-chromium');

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' };

/** Flags for a browser on a test machine: no sandbox (root, containers), nothing fetched on its own. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface ChromiumLaunch {
  executablePath: string;
  args: string[];
  env?: Record<string, string>;
}

/**
 * `@sparticuz/chromium`'s browser. The package unpacks into the OS temp dir (os.tmpdir(), so TMPDIR):
 * it is pointed at a staging directory of the cache instead, renamed into place once complete, so that
 * two test files starting at once never use a half-written browser and nothing is left in the temp dir.
 */
async function packagedChromium(): Promise<ChromiumLaunch> {
  const { default: sparticuz, inflate } = await import('@sparticuz/chromium');
  // Its package.json is not exported: it is found from the entry point (build/index.js).
  const packageDir = fileURLToPath(new URL('../', import.meta.resolve('@sparticuz/chromium')));
  const packageJson = await readFile(join(packageDir, 'package.json'), 'utf8');
  const { version } = JSON.parse(packageJson) as { version: string };
  const dir = join(CACHE, version);
  if (!existsSync(dir)) {
    await mkdir(CACHE, { recursive: true });
    const staging = await mkdtemp(join(CACHE, 'staging-'));
    const tmpdir = process.env.TMPDIR;
    process.env.TMPDIR = staging;
    try {
      await sparticuz.executablePath();
      // The system's NSS libraries may be missing: the package brings its own (built for Amazon Linux).
      await inflate(join(packageDir, 'bin', 'al2023.tar.br'));
      // Fontconfig: the system's fonts if any, plus the package's, and a cache of its own.
      await writeFile(
        join(staging, 'fonts.conf'),
        [
          '<?xml version="1.0"?>',
          '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
          '<fontconfig>',
          '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
          `  <dir>${dir}/fonts</dir>`,
          `  <cachedir>${dir}/fontconfig-cache</cachedir>`,
          '</fontconfig>',
          '',
        ].join('\n'),
      );
    } finally {
      if (tmpdir === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmpdir;
    }
    // If another test file got there first, its copy is kept and this one dropped.
    await rename(staging, dir).catch(() => rm(staging, { recursive: true, force: true }));
  }
  return {
    executablePath: join(dir, 'chromium'),
    // Not the package's own `args`: they are made for AWS Lambda. `--single-process` crashes the browser
    // when a test's context closes, and `--disable-web-security` would weaken what the tests check.
    args: ARGS,
    env: {
      ...(process.env as Record<string, string>),
      LD_LIBRARY_PATH: join(dir, 'al2023', 'lib'),
      FONTCONFIG_FILE: join(dir, 'fonts.conf'),
    },
  };
}

/** Which Chromium the browser tests drive (see the top of this file). */
export async function chromiumToLaunch(): Promise<ChromiumLaunch> {
  const given = process.env.CHROMIUM_PATH;
  if (given !== undefined && given !== '') return { executablePath: given, args: ARGS };
  if (existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, args: ARGS };
  return packagedChromium();
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch(await chromiumToLaunch());
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
    await page.getByRole('button', { name: 'Save', exact: true }).click();
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
 * Saves a screenshot of the screen (or of one `element` of it) under test-output/ (and docs/screenshots/
 * with UPDATE_SCREENSHOTS=1) and checks the whole page with axe-core: no serious or critical
 * accessibility violation.
 */
export async function checkScreen(
  page: Page,
  name: string,
  options: { fullPage?: boolean; element?: Locator } = {},
): Promise<void> {
  await mkdir(OUTPUT_DIR, { recursive: true });
  const png = options.element
    ? await options.element.screenshot()
    : await page.screenshot({ fullPage: options.fullPage === true });
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
