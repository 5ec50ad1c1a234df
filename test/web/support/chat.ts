/** Driving the chat pane and reading the graph, as a user sees them. */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

export const botLines = (page: Page) => page.locator('.transcript .line.bot .text');
export const userLines = (page: Page) => page.locator('.transcript .line.user .text');
export const quickReplies = (page: Page) =>
  page.getByRole('group', { name: 'Quick replies' }).getByRole('button');

/** Waits until the bot has said `count` messages in all and waits for the user (or has ended). */
export async function botSaid(
  page: Page,
  count: number,
  state: 'waiting' | 'ended' = 'waiting',
): Promise<string[]> {
  await botLines(page)
    .nth(count - 1)
    .waitFor();
  await page.locator(`[data-testid="chat-status"][data-state="${state}"]`).waitFor();
  const texts = await botLines(page).allTextContents();
  assert.equal(texts.length, count, `bot messages: ${JSON.stringify(texts)}`);
  return texts;
}

/** Types a message and sends it with Enter; resolves once the bot's reply (the n-th bot message) is shown. */
export async function say(page: Page, text: string, expectedBotCount: number, state?: 'waiting' | 'ended') {
  await page.locator('[data-testid="chat-status"][data-state="waiting"]').waitFor();
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByLabel('Message', { exact: true }).press('Enter');
  return botSaid(page, expectedBotCount, state);
}

export async function click(
  page: Page,
  option: string,
  expectedBotCount: number,
  state?: 'waiting' | 'ended',
) {
  await page.locator('[data-testid="chat-status"][data-state="waiting"]').waitFor();
  await quickReplies(page).filter({ hasText: option }).click();
  return botSaid(page, expectedBotCount, state);
}

export async function conversationId(page: Page): Promise<string> {
  const label = page.getByTestId('conversation-id');
  await label.waitFor();
  return (await label.getAttribute('data-conversation-id')) ?? '';
}

/** The ids of the blocks drawn in the graph. */
export async function drawnBlocks(page: Page): Promise<string[]> {
  await page.locator('svg.graph g.node').first().waitFor();
  const ids = await page
    .locator('svg.graph g.node')
    .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-block-id') ?? ''));
  return ids.sort();
}

/** The highlighted block once it is `blockId` (the only one highlighted). */
export async function currentBlockIs(page: Page, blockId: string): Promise<void> {
  await page.locator(`svg.graph g.node.current[data-block-id="${blockId}"][aria-current="step"]`).waitFor();
  assert.equal(await page.locator('svg.graph g.node.current').count(), 1, 'one block highlighted');
}
