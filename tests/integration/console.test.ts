import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import axe from 'axe-core';
import { DateTime } from 'luxon';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONSOLE_SECURITY_HEADERS } from '../../api/console';
import { HEADLESS_CHROMIUM_ARGS, resolveChromium } from '../../server/infra/browser';
import { parseEnvironment, projectRoot } from '../../server/env';
import { decideScreening, episodeOf, screenable } from '../support/walk';
import { eventually, startStack, type TestStack } from '../support/stack';

// The console in a real browser (Debian's Chromium driven by playwright-core) against the real stack, with every
// other origin refused: an out-of-hours worker escalates a night contact from the queue, a practitioner records a
// screening decision and sees the API's refusal at the field, a user of one borough sees nothing of another, and
// axe-core finds no serious or critical accessibility violation on any main screen. Screenshots of each main screen
// are saved in test-results/console/.

const SCREENSHOTS = path.join(projectRoot, 'test-results', 'console');
const slug = () => randomUUID().replace(/[^a-z]/g, '').slice(0, 5).padEnd(5, 'x');
// Two boroughs of this file's own, so the queues hold only this file's cases. Their office is open on one weekday
// two days from now only: a contact received now is always out of hours, whatever time the test runs.
const NIGHT = `cn${slug()}`;
const OTHER = `co${slug()}`;

let stack: TestStack;
let browser: Browser;
let origin: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  const env = parseEnvironment();
  const executablePath = await resolveChromium({ cache: { dir: env.FRONT_DOOR_CACHE_DIR, say: () => {} }, explicitPath: env.CHROMIUM_PATH, pathVariable: process.env.PATH, install: false });
  browser = await chromium.launch({ executablePath, headless: true, args: HEADLESS_CHROMIUM_ARGS });

  const configDir = path.join(inject('scratchDir'), `console-config-${randomUUID()}`);
  await fs.mkdir(configDir, { recursive: true });
  await fs.cp(path.join(projectRoot, 'borough-config', 'bank-holidays'), path.join(configDir, 'bank-holidays'), { recursive: true });
  const officeDay = DateTime.now().setZone('Europe/London').plus({ days: 2 }).weekday;
  for (const [code, name] of [[NIGHT, 'Console night borough'], [OTHER, 'Console other borough']] as const) {
    await fs.cp(path.join(projectRoot, 'borough-config', 'hf'), path.join(configDir, code), { recursive: true });
    const settingsFile = path.join(configDir, code, 'borough.json');
    const settings = JSON.parse(await fs.readFile(settingsFile, 'utf8')) as { officeHours: object };
    await fs.writeFile(settingsFile, JSON.stringify({ ...settings, code, name, officeHours: { ...settings.officeHours, days: [officeDay] } }));
    const rulesFile = path.join(configDir, code, 'thresholds.json');
    await fs.writeFile(rulesFile, JSON.stringify({ ...(JSON.parse(await fs.readFile(rulesFile, 'utf8')) as object), borough: code }));
  }
  stack = await startStack({ boroughConfigDir: configDir });
  origin = new URL(stack.url).origin;
  tokens.outOfHours = await stack.token({ user: 'edt-nia', roles: ['out_of_hours'], boroughs: [NIGHT] });
  tokens.practitioner = await stack.token({ user: 'pat-console', roles: ['practitioner'], boroughs: [NIGHT] });
  tokens.other = await stack.token({ user: 'olu-other', roles: ['practitioner', 'out_of_hours'], boroughs: [OTHER] });
  tokens.administrator = await stack.token({ user: 'ada-console', roles: ['administrator'], boroughs: [NIGHT] });
  await fs.mkdir(SCREENSHOTS, { recursive: true });
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A contact received now in `borough` (out of hours there), stored and recommended on; its id and reference. */
async function nightContact(borough: string, lastName: string): Promise<{ id: string; reference: string }> {
  const as = borough === NIGHT ? tokens.practitioner! : tokens.other!;
  const received = await stack.graphql<{ receiveContact: { contactId: string; reference: string } }>(
    'mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId reference } }',
    { input: {
      borough, channel: 'PHONE', consent: 'NOT_SOUGHT', referrer: { type: 'POLICE', organisation: 'Met Police' },
      children: [{ firstName: 'Sam', lastName, dateOfBirth: DateTime.now().minus({ years: 6 }).toISODate() }],
      indicators: ['DOMESTIC_ABUSE'], summary: 'Police called to the home at night after a report of shouting.',
    } },
    as,
  );
  expect(received.errors).toBeUndefined();
  const { contactId, reference } = received.data!.receiveContact;
  await screenable(stack, as, contactId);
  return { id: contactId, reference };
}

/** A browser tab whose every request to another origin is refused and recorded, as are page errors and CSP reports. */
async function openTab(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    problems.push(`request to another origin: ${url}`);
    return route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of (403|404)/.test(message.text())) problems.push(`console error: ${message.text()}`);
  });
  return { context, page, problems };
}

/** Signs in through the sign-in screen by pasting the token. */
async function signIn(page: Page, token: string): Promise<void> {
  await page.goto(`${stack.url}/console/`);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** axe-core in the page (WCAG 2.x A and AA): the serious and critical violations, by rule and target. */
async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const results = await page.evaluate(() => (window as unknown as { axe: typeof axe }).axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } }));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

describe('serving the console', () => {
  it('serves the app with its content types, caching and security headers, and answers client routes with index.html', async () => {
    const index = await fetch(`${stack.url}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    for (const [name, value] of Object.entries(CONSOLE_SECURITY_HEADERS)) expect(index.headers.get(name), name).toBe(value);
    const html = await index.text();
    const script = /src="(\/console\/static\/[^"]+\.js)"/.exec(html)?.[1];
    const style = /href="(\/console\/static\/[^"]+\.css)"/.exec(html)?.[1];
    expect(script && style, 'the page names its bundled script and styles').toBeTruthy();

    const bundle = await fetch(stack.url + script!);
    expect(bundle.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(bundle.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const css = await fetch(stack.url + style!);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const font = /url\((\/console\/static\/[^)]+\.woff2)\)/.exec(await css.text())?.[1];
    expect(font, 'GOV.UK fonts are bundled with the console').toBeTruthy();
    expect((await fetch(stack.url + font!)).headers.get('content-type')).toBe('font/woff2');

    const route = await fetch(`${stack.url}/console/cases/${randomUUID()}`);
    expect(route.status).toBe(200);
    expect(await route.text()).toBe(html);
    expect((await fetch(`${stack.url}/console/static/missing.js`)).status).toBe(404);
    expect((await fetch(`${stack.url}/console/..%2f..%2fpackage.json`)).status).not.toBe(200);
    expect((await fetch(`${stack.url}/console`, { redirect: 'manual' })).headers.get('location')).toBe('/console/');
    expect((await fetch(`${stack.url}/console/`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(405);
  });
});

describe('in the browser', () => {
  it('shows an out-of-hours worker a night contact in the out-of-hours queue, and escalates it from there', async () => {
    const contact = await nightContact(NIGHT, `Night-${slug()}`);
    const { context, page, problems } = await openTab();
    await signIn(page, tokens.outOfHours!);
    await expect.poll(() => page.locator('[data-who]').innerText()).toContain('edt-nia');
    expect(await page.locator('[data-who]').innerText()).toContain('out_of_hours');
    expect(await accessibilityViolations(page), 'home').toEqual([]);
    await screenshot(page, 'home');

    await page.getByRole('main').getByRole('link', { name: 'Out-of-hours queue' }).click();
    const row = page.locator(`tr[data-case="${contact.id}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain('Out of hours');
    expect(await row.locator('[data-mark="escalated"]').count()).toBe(0);
    expect(await accessibilityViolations(page), 'out-of-hours queue').toEqual([]);
    await screenshot(page, 'out-of-hours-queue');

    await row.getByRole('button', { name: `Escalate ${contact.reference}` }).click();
    // Too short a reason: the API's own message, at the field.
    await page.getByLabel(`Why is ${contact.reference} urgent?`).fill('Urgent');
    await page.getByRole('button', { name: 'Escalate now' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    expect(await page.locator(`#escalate-${contact.id}-reason-error`).innerText()).toMatch(/10 characters/);
    expect(await accessibilityViolations(page), 'escalation refused').toEqual([]);
    await page.getByLabel(`Why is ${contact.reference} urgent?`).fill('Child rang back, frightened to go home tonight.');
    await page.getByRole('button', { name: 'Escalate now' }).click();
    await row.locator('[data-mark="escalated"]').waitFor();
    await screenshot(page, 'out-of-hours-queue-escalated');

    const recorded = await stack.graphql<{ case: { urgent: boolean; escalations: { raisedBy: string; reason: string }[] } }>(
      'query ($id: ID!) { case(id: $id) { urgent escalations { raisedBy reason } } }', { id: contact.id }, tokens.outOfHours,
    );
    expect(recorded.data?.case.urgent).toBe(true);
    expect(recorded.data?.case.escalations).toContainEqual({ raisedBy: 'edt-nia', reason: 'Child rang back, frightened to go home tonight.' });

    await row.getByRole('link', { name: contact.reference }).click();
    await page.locator('[data-escalations]').waitFor();
    expect(await page.locator('[data-escalations]').innerText()).toContain('frightened to go home tonight');
    // A step the role may not take is a sentence naming who may, not a form the API would refuse.
    expect(await page.locator('[data-missing="consent"]').innerText()).toContain('needs one of the roles mash_worker, practitioner, manager; you have out_of_hours');
    expect(await page.locator('form[data-step="consent"]').count()).toBe(0);
    expect(await accessibilityViolations(page), 'case page (out of hours)').toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows an escalation made elsewhere in an open queue as it happens', async () => {
    const contact = await nightContact(NIGHT, `Live-${slug()}`);
    const { context, page, problems } = await openTab();
    await signIn(page, tokens.outOfHours!);
    await page.goto(`${stack.url}/console/queues/out-of-hours`);
    const row = page.locator(`tr[data-case="${contact.id}"]`);
    await row.waitFor();
    await page.getByText('Escalations appear here as they happen.').waitFor();
    // Escalated by someone else (over the API, not in this tab): the open queue marks it without a reload.
    const escalated = await stack.graphql('mutation ($id: ID!) { escalateContact(contactId: $id, reason: "Second call from the police tonight.") { urgent } }', { id: contact.id }, tokens.outOfHours);
    expect(escalated.errors).toBeUndefined();
    await row.locator('[data-mark="escalated"]').waitFor({ timeout: 30_000 });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('lets a practitioner record a screening decision, showing a refused step\'s message at the field', async () => {
    const contact = await nightContact(NIGHT, `Screen-${slug()}`);
    const recommended = await stack.graphql<{ contact: { recommendation: { pathway: string } } }>('query ($id: ID!) { contact(id: $id) { recommendation { pathway } } }', { id: contact.id }, tokens.practitioner);
    const other = recommended.data!.contact.recommendation.pathway === 'NO_FURTHER_ACTION' ? 'Information and advice' : 'No further action';

    const { context, page, problems } = await openTab();
    await signIn(page, tokens.practitioner!);
    await page.getByRole('link', { name: `Work queue: ${NIGHT}` }).click();
    const row = page.locator(`tr[data-case="${contact.id}"]`);
    await row.waitFor();
    expect(await accessibilityViolations(page), 'work queue').toEqual([]);
    await screenshot(page, 'work-queue');
    await row.getByRole('link', { name: contact.reference }).click();
    await page.locator('[data-recommendation]').waitFor();
    expect(await page.locator('[data-missing="escalate"]').innerText()).toContain('out_of_hours, manager');
    expect(await accessibilityViolations(page), 'case page').toEqual([]);
    await screenshot(page, 'case-page');

    const form = page.locator('form[data-step="screening"]');
    await form.getByLabel('Pathway').selectOption({ label: other });
    await form.getByLabel('Rationale').fill('Spoke to the police; no continuing risk to the child tonight.');
    await form.getByRole('button', { name: 'Record decision' }).click();
    const fieldError = form.locator('#screening-overrideReason-error');
    await fieldError.waitFor();
    expect(await fieldError.innerText()).toContain('the decision differs from the recommendation');
    const summaryLink = form.locator('.govuk-error-summary a[href="#screening-overrideReason"]');
    expect(await summaryLink.innerText()).toContain('differs from the recommendation');
    expect(await page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary'))).toBe(true);
    await summaryLink.click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('screening-overrideReason');
    expect(await accessibilityViolations(page), 'screening refused').toEqual([]);
    await screenshot(page, 'case-page-refused-step');

    await form.getByLabel('Reason for overriding the recommendation').fill('Police attended and found the adults calm; no child at risk.');
    await form.getByRole('button', { name: 'Record decision' }).click();
    await page.getByText(/Screening decision recorded/).waitFor();
    const decided = await eventually(
      () => stack.graphql<{ contact: { status: string } }>('query ($id: ID!) { contact(id: $id) { status } }', { id: contact.id }, tokens.practitioner),
      (r) => r.data?.contact.status !== 'AWAITING_SCREENING',
    );
    expect(decided.data?.contact.status).toBe('CLOSED');
    await page.getByText(/Screening decision recorded/).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a child\'s episode after a referral, with its family history', async () => {
    const contact = await nightContact(NIGHT, `Episode-${slug()}`);
    const decided = await decideScreening(stack, tokens.practitioner!, contact.id, { pathway: 'S17_ASSESSMENT', primaryNeed: 'N1' });
    expect(decided.errors).toBeUndefined();
    const episodeId = await episodeOf(stack, contact.id);
    const { context, page, problems } = await openTab();
    await signIn(page, tokens.practitioner!);
    await page.goto(`${stack.url}/console/cases/${episodeId}`);
    await page.getByRole('heading', { name: 'The episode' }).waitFor();
    const text = await page.locator('main').innerText();
    expect(text).toContain('Episode');
    expect(text).toContain('S17 assessment');
    expect(text).toContain('N1');
    expect(text).toContain('Family history');
    expect(await page.locator('form[data-step]').count()).toBe(0);
    expect(await accessibilityViolations(page), 'episode page').toEqual([]);
    await screenshot(page, 'episode-page');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a user of one borough nothing of another, saying why', async () => {
    const contact = await nightContact(NIGHT, `Private-${slug()}`);
    const mine = await nightContact(OTHER, `Mine-${slug()}`);
    const { context, page, problems } = await openTab();
    await signIn(page, tokens.other!);

    // Their own queues list their own borough's case, and not the other's.
    await page.goto(`${stack.url}/console/queues/out-of-hours`);
    await page.locator(`tr[data-case="${mine.id}"]`).waitFor();
    expect(await page.locator(`tr[data-case="${contact.id}"]`).count()).toBe(0);
    expect(await page.locator('table').innerText()).not.toContain(contact.reference);
    await page.goto(`${stack.url}/console/queues/work/${OTHER}`);
    await page.locator(`tr[data-case="${mine.id}"]`).waitFor();
    expect(await page.locator(`tr[data-case="${contact.id}"]`).count()).toBe(0);

    // The other borough's queue and case: a sentence saying why, and nothing of the case.
    await page.goto(`${stack.url}/console/queues/work/${NIGHT}`);
    const refusal = page.locator('[data-refusal]');
    await refusal.waitFor();
    expect(await refusal.getAttribute('data-refusal')).toBe('FORBIDDEN');
    expect(await refusal.innerText()).toContain(NIGHT);
    expect(await page.locator('table').count()).toBe(0);
    await page.goto(`${stack.url}/console/cases/${contact.id}`);
    await refusal.waitFor();
    expect(await refusal.getAttribute('data-refusal')).toBe('NOT_FOUND');
    expect(await refusal.innerText()).toMatch(/not in your boroughs/i);
    expect(await page.locator('main').innerText()).not.toContain(contact.reference);
    expect(await page.locator('main').innerText()).not.toContain('Private-');
    expect(await accessibilityViolations(page), 'refusal').toEqual([]);
    await screenshot(page, 'case-refused');

    // Borough settings are for administrators and auditors: a practitioner is told so.
    await page.goto(`${stack.url}/console/boroughs/${OTHER}/settings`);
    await refusal.waitFor();
    expect(await refusal.innerText()).toMatch(/administrator/);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows an administrator the borough settings, read-only', async () => {
    const { context, page, problems } = await openTab();
    await signIn(page, tokens.administrator!);
    expect(await page.locator('[data-missing="work-queue"]').innerText()).toContain('administrator');
    await page.getByRole('link', { name: `Settings: ${NIGHT}` }).click();
    await page.getByRole('heading', { name: 'Console night borough' }).waitFor();
    const text = await page.locator('main').innerText();
    for (const part of ['Office hours', 'Clocks', 'Escalation ladders', 'Required agencies', 'Police', 'Screening', 'team manager']) expect(text).toContain(part);
    expect(await page.locator('form').count()).toBe(0);
    expect(await accessibilityViolations(page), 'borough settings').toEqual([]);
    await screenshot(page, 'borough-settings');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Token').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await accessibilityViolations(page), 'sign-in').toEqual([]);
    await screenshot(page, 'sign-in');
    await page.getByLabel('Token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.locator('#sign-in-token-error').innerText()).toContain('This is not a token');
    expect(problems).toEqual([]);
    await context.close();
  });
});
