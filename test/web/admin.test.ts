/**
 * The playground's admin side in a real Chromium: the editor shows each validation problem at its
 * location, publishes a valid flow the chat then runs, rolls back; the history viewer pages through
 * conversations and shows every message of the one just held. The admin token never reaches a URL.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { examplePath } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { checkScreen, launchBrowser, openPlayground } from './support/browser.ts';
import { botSaid, conversationId, say } from './support/chat.ts';

const WELCOME = 'Hi! I can give you the weather, travel offers or restaurant tips.';

/** Four problems, each on a known line (the first one names a missing field: its block's line). */
const INVALID = `{
  "formatVersion": 1,
  "name": "Broken",
  "start": "hello",
  "blocks": [
    {
      "id": "hello",
      "type": "message",
      "text": "Hi",
      "nxt": "ask"
    },
    { "id": "ask", "type": "wait", "next": "nowhere" },
    { "id": "x", "type": "teleport" }
  ]
}
`;
const EXPECTED_LINES: Record<string, number> = {
  '/blocks/0/next': 6,
  '/blocks/0/nxt': 10,
  '/blocks/1/next': 12,
  '/blocks/2/type': 13,
};

const travelText = readFileSync(examplePath('travel'), 'utf8');
const VERSION_2_GREETING = 'Hello from version 2!';
const version2Text = travelText
  .replace(WELCOME, VERSION_2_GREETING)
  .replace('"Travel assistant"', '"Travel v2"');

/** How many conversations the paging test creates before the browser's own (page size is 10). */
const EXTRA_CONVERSATIONS = 11;

describe('playground: editor and history', () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    server = await startTestServer({
      defaultFlowPath: examplePath('travel').pathname,
      env: { INTENT_PROVIDER: 'local' },
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the editor: errors at their location, publish, chat on the new version, rollback', async () => {
    const { page, assertClean, close } = await openPlayground(browser, server.url, server.adminToken);
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await botSaid(page, 1);
    await page.getByRole('tab', { name: 'Editor' }).click();
    await page.locator('.cm-content').waitFor();
    await page.getByTestId('editor-status').filter({ hasText: 'Loaded the current flow.' }).waitFor();
    assert.match((await page.locator('.cm-content').textContent()) ?? '', /"Travel assistant"/);

    // An invalid flow, opened from a file and validated.
    await page
      .locator('#flow-file')
      .setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(INVALID) });
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByTestId('editor-status').filter({ hasText: 'The flow has 4 problem(s).' }).waitFor();
    const report = await server.api.post('/api/flow/validate', INVALID);
    assert.deepEqual(
      report.json.errors.map((e: { path: string }) => e.path).sort(),
      Object.keys(EXPECTED_LINES).sort(),
    );
    for (const error of report.json.errors as { path: string; message: string }[]) {
      const item = page.locator(`[data-testid="problems"] li[data-path="${error.path}"]`);
      assert.equal(await item.count(), 1, error.path);
      assert.match(
        (await item.textContent()) ?? '',
        new RegExp(`Line ${EXPECTED_LINES[error.path]}, column \\d+`),
      );
      assert.ok(((await item.textContent()) ?? '').includes(error.message), error.message);
      assert.equal(
        await item.getByRole('button').getAttribute('data-line'),
        String(EXPECTED_LINES[error.path]),
      );
    }
    // Marked in the editor itself: one gutter marker per line with a problem, and underlined ranges.
    await page.locator('.cm-lint-marker-error').first().waitFor();
    assert.equal(
      await page.locator('.cm-lint-marker-error').count(),
      new Set(Object.values(EXPECTED_LINES)).size,
    );
    assert.ok((await page.locator('.cm-lintRange-error').count()) >= 4);
    const underlined = (await page.locator('.cm-lintRange-error').allTextContents()).join(' ');
    for (const fragment of ['"nxt": "ask"', '"next": "nowhere"', '"type": "teleport"']) {
      assert.ok(underlined.includes(fragment), `${fragment} underlined in ${underlined}`);
    }
    // A problem's line button moves the cursor there.
    await page.locator('[data-testid="problems"] li[data-path="/blocks/0/nxt"] button').click();
    assert.match((await page.locator('.cm-activeLine').textContent()) ?? '', /"nxt": "ask"/);
    await checkScreen(page, 'editor', { fullPage: true });

    await page.getByRole('button', { name: 'Publish' }).click();
    await page
      .getByTestId('editor-status')
      .filter({ hasText: 'Not published: the flow has 4 problem(s).' })
      .waitFor();
    assert.equal((await server.api.get('/api/flow/versions')).json.versions.length, 1, 'nothing stored');

    // A syntax error is marked as you type, before any request.
    await page.locator('#flow-file').setInputFiles({
      name: 'bad.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"formatVersion": 1,,}'),
    });
    await page.locator('.cm-lint-marker-error').first().waitFor();

    // A valid flow published, then chatted on.
    await page
      .locator('#flow-file')
      .setInputFiles({ name: 'v2.json', mimeType: 'application/json', buffer: Buffer.from(version2Text) });
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByTestId('editor-status').filter({ hasText: 'Published version 2.' }).waitFor();
    await page.locator('[data-testid="versions"] tr[data-version="2"].current').waitFor();
    assert.equal((await server.api.get('/api/flow')).text, version2Text, 'stored byte for byte');
    await page.getByRole('button', { name: 'New conversation' }).click();
    assert.deepEqual(await botSaid(page, 1), [VERSION_2_GREETING]);
    assert.match((await page.getByTestId('conversation-id').textContent()) ?? '', /flow version 2/);
    assert.equal((await say(page, 'will it rain tomorrow', 2))[1], 'Sunny, 24 °C.');

    // Rollback to version 1: new conversations start on it again.
    await page.getByRole('button', { name: 'Make version 1 current' }).click();
    await page.getByTestId('editor-status').filter({ hasText: 'Version 1 is current again.' }).waitFor();
    await page.locator('[data-testid="versions"] tr[data-version="1"].current').waitFor();
    assert.equal((await server.api.get('/api/flow/versions')).json.current, 1);
    await page.getByRole('button', { name: 'New conversation' }).click();
    assert.deepEqual(await botSaid(page, 1), [WELCOME]);

    // The token was typed once: kept in sessionStorage, sent in a header, never in a URL.
    assert.equal(await page.evaluate('sessionStorage.getItem("chatflow.adminToken")'), server.adminToken);
    assert.ok(requested.length > 5);
    for (const url of [...requested, page.url()]) assert.ok(!url.includes(server.adminToken), url);
    assertClean([400]); // the refused publish
    await close();
  });

  test('the history: pages of conversations, and every message of the one just held', async () => {
    for (let i = 0; i < EXTRA_CONVERSATIONS; i++) await openConversation(server.url);
    const { page, assertClean, close } = await openPlayground(browser, server.url, server.adminToken);
    await botSaid(page, 1);
    await say(page, 'will it rain tomorrow', 2);
    await say(page, '<b>asdf</b>', 3);
    const id = await conversationId(page);

    await page.getByRole('tab', { name: 'History' }).click();
    const rows = page.locator('[data-testid="conversations"] tbody tr');
    await page.locator(`[data-testid="conversations"] tr[data-conversation-id="${id}"]`).waitFor();
    assert.equal(await rows.count(), 10, 'a page of 10');
    assert.equal(await rows.first().getAttribute('data-conversation-id'), id, 'newest first');
    await page.getByRole('button', { name: 'Older →' }).click();
    await page.getByText('Page 2').waitFor();
    const total = (await server.api.get('/api/conversations?limit=200')).json.conversations.length;
    assert.equal(await rows.count(), total - 10);
    assert.equal(await page.getByRole('button', { name: 'Older →' }).isDisabled(), true);
    await page.getByRole('button', { name: '← Newer' }).click();
    await page.getByText('Page 1').waitFor();

    await page.getByRole('button', { name: `Open conversation ${id}` }).click();
    await page.locator('[data-testid="timeline"] li').first().waitFor();
    const stored = (await server.api.get(`/api/conversations/${id}`)).json.events as {
      type: string;
      data: { text?: string };
    }[];
    const messages = (type: string) => stored.filter((e) => e.type === type).map((e) => e.data.text);
    assert.equal(await page.locator('[data-testid="timeline"] li').count(), stored.length, 'every event');
    assert.deepEqual(await page.locator('.event.user .detail').allTextContents(), messages('message.user'));
    assert.deepEqual(await page.locator('.event.bot .detail').allTextContents(), messages('message.bot'));
    assert.deepEqual(messages('message.user'), ['will it rain tomorrow', '<b>asdf</b>']);
    const intentLine = (await page.locator('.event.intent').first().textContent()) ?? '';
    assert.match(intentLine, /Intent weather.*confidence [01]\.\d\d · local · \d+ ms/);
    assert.equal(await page.locator('[data-testid="timeline"] b').count(), 0, 'user HTML shown as text');
    await checkScreen(page, 'history', { fullPage: true });
    assertClean();
    await close();
  });

  test('a wrong admin token is refused politely and forgotten; the chat works without one', async () => {
    const { page, assertClean, close } = await openPlayground(browser, server.url, 'not-the-token');
    await page.locator('#token-status', { hasText: 'The admin token was refused. Type it again.' }).waitFor();
    await page.getByText('Type the admin token at the top of the page to see the flow graph.').waitFor();
    assert.equal(await page.evaluate('sessionStorage.getItem("chatflow.adminToken")'), null);
    assert.deepEqual(await botSaid(page, 1), [WELCOME]);
    assertClean([401]);
    await close();
  });
});

/** Starts a conversation over a plain WebSocket (Node's), waits for the bot's first turn, leaves. */
async function openConversation(url: string): Promise<void> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('message', (event) => {
      if (JSON.parse(String(event.data)).type === 'waiting') resolve();
    });
    socket.addEventListener('error', () => reject(new Error('WebSocket error')));
  });
  socket.close();
}
