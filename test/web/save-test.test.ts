/**
 * "Save as test" in a real Chromium against the real server: the support-triage flow chatted through
 * (typed and clicked), saved as a test, downloaded, and run by `chatflow test` on the flow: it passes,
 * and fails once the flow says something else. Stored with the flow: added, replaced by name, run by
 * the server, its failures shown. Without the admin token the file has no intents and storing it says why.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { runChatflowInProcess } from '../support/cli.ts';
import { examplePath } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { checkScreen, launchBrowser, openPlayground } from './support/browser.ts';
import { botSaid, click, say } from './support/chat.ts';

const ASK_ORDER = 'Please type your order number (digits only).';
const supportText = await readFile(examplePath('support-triage'), 'utf8');

/** The support flow chatted through: a name typed, a reply clicked, an order number typed, "No" clicked. */
async function chatThrough(page: Page): Promise<void> {
  await botSaid(page, 1);
  await say(page, 'Ada', 2);
  await click(page, 'Track my order', 3);
  await say(page, '12345678', 5);
  await click(page, 'No', 6, 'ended');
}

async function openSaveAsTest(page: Page, name: string) {
  await page.getByRole('button', { name: 'Save as test' }).click();
  const panel = page.getByRole('region', { name: 'Save as test' });
  await panel.getByLabel('Test name').fill(name);
  return panel;
}

describe('playground: save as test', () => {
  let server: TestServer;
  let browser: Browser;
  let dir: string;

  before(async () => {
    server = await startTestServer({
      defaultFlowPath: examplePath('travel').pathname,
      env: { INTENT_PROVIDER: 'local' },
    });
    browser = await launchBrowser();
    dir = await mkdtemp(join(tmpdir(), 'chatflow-save-test-'));
    assert.equal((await server.api.put('/api/flow', supportText)).status, 201);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('recorded, downloaded, and run by chatflow test: it passes, then fails on a changed flow', async () => {
    const { page, assertClean, close } = await openPlayground(browser, server.url, server.adminToken);
    const save = page.getByRole('button', { name: 'Save as test' });
    await botSaid(page, 1);
    await chatThrough(page);
    assert.equal(await save.isDisabled(), false);

    const panel = await openSaveAsTest(page, 'Track an order');
    await panel.getByLabel('Pin the detected intents').check();
    const preview = panel.getByTestId('save-test-preview');
    await preview.filter({ hasText: '"pinned": true' }).waitFor();
    const shown = JSON.parse((await preview.textContent()) ?? '');
    assert.equal(shown.conversations[0].name, 'Track an order');
    assert.deepEqual(
      shown.conversations[0].steps.map((s: Record<string, unknown>) => [s.user ?? s.click, s.intent]),
      [
        [undefined, undefined],
        ['Ada', undefined],
        ['Track my order', 'track'],
        ['12345678', undefined],
        ['No', undefined],
      ],
    );
    await checkScreen(page, 'save-test', { element: panel });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      panel.getByRole('button', { name: 'Download' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'track-an-order.tests.json');
    const testsPath = join(dir, 'track-an-order.tests.json');
    await download.saveAs(testsPath);
    const saved = JSON.parse(await readFile(testsPath, 'utf8'));
    assert.deepEqual(saved, shown, 'the file is the preview');
    assert.deepEqual(saved.flow, { current: true });
    assert.equal(saved.conversations[0].steps[2].click, 'Track my order');
    assert.equal(saved.conversations[0].steps[2].pinned, true);
    assert.equal(saved.conversations[0].steps[4].ended, true);

    const flowPath = join(dir, 'support-triage.json');
    await writeFile(flowPath, supportText);
    const passing = await runChatflowInProcess(['test', flowPath, testsPath]);
    assert.equal(passing.code, 0, passing.stdout + passing.stderr);

    await writeFile(flowPath, supportText.replace(ASK_ORDER, 'Your order number, please.'));
    const failing = await runChatflowInProcess(['test', flowPath, testsPath]);
    assert.equal(failing.code, 1, failing.stdout + failing.stderr);
    assert.ok(`${failing.stdout}${failing.stderr}`.includes(ASK_ORDER), failing.stdout);
    assertClean();
    await close();
  });

  test('stored with the flow: added or replaced by name, run by the server, failures shown', async () => {
    const { page, assertClean, close } = await openPlayground(browser, server.url, server.adminToken);
    await chatThrough(page);
    const panel = await openSaveAsTest(page, 'Track an order');
    const result = panel.getByTestId('save-test-result');
    const storeAs = async (name: string, expected: string) => {
      await panel.getByLabel('Test name').fill(name);
      await panel.getByRole('button', { name: 'Store with the flow' }).click();
      await result.filter({ hasText: expected }).waitFor();
      const stored = await server.api.get('/api/flow/tests');
      assert.equal(stored.status, 200);
      return JSON.parse(stored.text);
    };
    const passed = (count: number) =>
      `Stored with flow version 2 (${count} test conversation(s)). Run against it: ${count} passed, 0 failed.`;

    const first = await storeAs('Track an order', passed(1));
    const shown = JSON.parse((await panel.getByTestId('save-test-preview').textContent()) ?? '');
    assert.deepEqual(first, shown, 'stored as shown');
    const both = await storeAs('Second', passed(2));
    assert.deepEqual(
      both.conversations.map((c: { name: string }) => c.name),
      ['Track an order', 'Second'],
    );
    await panel.getByLabel('Pin the detected intents').check();
    const replaced = await storeAs('Track an order', passed(2));
    assert.equal(replaced.conversations.length, 2);
    assert.equal(replaced.conversations[0].steps[2].pinned, true, 'replaced in place');
    assert.equal(replaced.conversations[1].steps[2].pinned, undefined);

    // A new version that says something else: the tests stored with the old one fail against it.
    const changed = supportText.replace(ASK_ORDER, 'Your order number, please.');
    assert.equal((await server.api.put('/api/flow', changed)).status, 201);
    await storeAs(
      'Track an order',
      'Stored with flow version 3 (2 test conversation(s)). Run against it: 0 passed, 2 failed. The conversation was recorded on flow version 2, not the current one.',
    );
    const failures = await panel.getByTestId('save-test-failures').locator(':scope > li').allInnerTexts();
    assert.equal(failures.length, 2);
    assert.match(failures[0] ?? '', /^"Track an order" diverges at step 2/);
    assert.ok(
      failures[0]?.includes(
        `/conversations/0/steps/2/bot/0: expected "${ASK_ORDER}", got "Your order number, please."`,
      ),
      failures[0],
    );
    assertClean([404]); // the first GET /api/flow/tests: none stored yet
    await close();
    assert.equal((await server.api.post('/api/flow/versions/2/activate')).status, 200);
  });

  test('without the admin token: no intents in the file, and storing it says why', async () => {
    const { page, assertClean, close } = await openPlayground(browser, server.url);
    const save = page.getByRole('button', { name: 'Save as test' });
    await botSaid(page, 1);
    assert.equal(await save.isDisabled(), false, 'enabled once the bot has spoken and waits');
    await say(page, 'Ada', 2);
    await click(page, 'Track my order', 3);
    const panel = await openSaveAsTest(page, 'No token');
    await panel
      .getByTestId('save-test-status')
      .filter({ hasText: 'Type the admin token at the top of the page to include the intents detected.' })
      .waitFor();
    const shown = JSON.parse((await panel.getByTestId('save-test-preview').textContent()) ?? '');
    assert.equal(shown.conversations[0].steps.length, 3);
    assert.equal(shown.conversations[0].steps[2].click, 'Track my order');
    assert.equal(shown.conversations[0].steps[2].intent, undefined);
    assert.match(
      (await panel.getByTestId('save-test-token').textContent()) ?? '',
      /Storing with the flow needs the admin token/,
    );
    await panel.getByRole('button', { name: 'Store with the flow' }).click();
    await panel
      .getByTestId('save-test-result')
      .filter({ hasText: 'Type the admin token at the top of the page first.' })
      .waitFor();

    // Typed now, the token brings the intents in.
    await page.getByLabel('Admin token').fill(server.adminToken);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await panel.getByTestId('save-test-preview').filter({ hasText: '"intent": "track"' }).waitFor();
    await panel.getByRole('button', { name: 'Close' }).click();
    assert.equal(await panel.isHidden(), true);
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Save as test');
    assertClean();
    await close();
  });
});
