import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HEADLESS_CHROMIUM_ARGS, resolveChromium } from '../../server/infra/browser';
import { parseEnvironment } from '../../server/env';
import { startStack, type TestStack } from '../support/stack';

// GraphiQL on a machine or council network without internet: in a real browser whose every request to any other
// origin is refused, the page the API serves loads whole (its scripts, styles and editor from the API itself) and
// runs a query against the API.

let stack: TestStack;
let browser: Browser;
beforeAll(async () => {
  const env = parseEnvironment();
  const executablePath = await resolveChromium({ cache: { dir: env.FRONT_DOOR_CACHE_DIR, say: () => {} }, explicitPath: env.CHROMIUM_PATH, pathVariable: process.env.PATH, install: false });
  browser = await chromium.launch({ executablePath, headless: true, args: HEADLESS_CHROMIUM_ARGS });
  stack = await startStack();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

it('loads GraphiQL and runs a query with every other origin unreachable', async () => {
  const origin = new URL(stack.url).origin;
  const context = await browser.newContext();
  const elsewhere: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    elsewhere.push(url);
    return route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  const failures: string[] = [];
  page.on('requestfailed', (request) => failures.push(`${request.url()}: ${request.failure()?.errorText ?? ''}`));
  page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));

  const response = await page.goto(`${stack.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { waitUntil: 'load' });
  expect(response?.status()).toBe(200);
  await page.locator('.graphiql-execute-button').waitFor({ state: 'visible', timeout: 30_000 });
  await page.locator('.graphiql-execute-button').click();
  // The response pane shows the API's answer: the query really went to the API from the page.
  await expect.poll(async () => (await page.locator('.graphiql-response').innerText()).replace(/\s+/g, ' '), { timeout: 30_000 }).toContain('"__typename": "Query"');

  expect(elsewhere, 'requests to other origins').toEqual([]);
  expect(failures, 'failed requests and page errors').toEqual([]);
  await context.close();
});
