import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainStatements, statementRecorder } from '../../bench/plans';
import { FLOOR, READS, readSample, type ReadSample } from '../../bench/reads';
import { insertSyntheticCases } from '../../db/synthetic-cases';
import { startStack, type TestStack } from '../support/stack';

// Reads over many cases (issue 11, target 4): a borough of its own is seeded with tens of thousands of cases straight
// in PostgreSQL, each read the bench measures is sent through GraphQL over HTTP as a manager, every SELECT it sent is
// recorded from the API's own pool and explained by PostgreSQL (custom and generic plans), and no plan may read a large
// table (cases, timelines, tasks, escalations, contacts, episodes ...) with a sequential scan. A list page must also cost
// a handful of statements, however many cases it shows (no query per case).

const CASES = 40_000;
const recorder = statementRecorder();
let stack: TestStack;
let sample: ReadSample;
let manager: string;

beforeAll(async () => {
  stack = await startStack({ onStatement: recorder.record });
  const borough = `rp-${randomBytes(4).toString('hex')}`;
  const seeded = await insertSyntheticCases(stack.sql, borough, { cases: CASES, now: new Date() });
  expect(seeded.cases).toBeGreaterThanOrEqual(CASES - 1);
  sample = await readSample(stack.sql, borough, 20);
  manager = await stack.token({ user: 'plans-manager', roles: ['manager'], boroughs: [borough] });
});

afterAll(async () => {
  await stack?.stop();
});

describe.each(READS.map((read) => [read.name, read] as const))('%s', (_name, read) => {
  it('answers with cases, and no statement it sends reads a large table by a sequential scan or sorts it', async () => {
    recorder.take();
    const answer = await stack.graphql<Record<string, unknown>>(read.query, read.variables(sample, 1), manager);
    expect(answer.errors).toBeUndefined();
    expect(JSON.stringify(answer.data)).toMatch(/"id":"[0-9a-f-]{36}"/);
    const sent = recorder.take();
    const plans = await explainStatements(stack.sql, sent);
    expect(plans.length).toBeGreaterThan(0);
    expect(plans.filter((plan) => plan.seqScans.length > 0).map((plan) => `${plan.seqScans.join(', ')}: ${plan.text.replace(/\s+/g, ' ')}`)).toEqual([]);
    // Nor sorts a borough's cases: a list or a queue comes in its index's order.
    expect(plans.filter((plan) => plan.largeSorts.length > 0).map((plan) => `${plan.largeSorts.join(', ')}: ${plan.text.replace(/\s+/g, ' ')}`)).toEqual([]);
    // A page of 50 cases with their children: a few statements (the page, each batched field, the audit), not one per
    // case (postgres.js's one-off lookup of array types on a new connection aside).
    expect(sent.filter((statement) => !statement.text.includes('pg_catalog.pg_type')).length).toBeLessThanOrEqual(12);
  });
});

it('the floor query answers through the same server and auth', async () => {
  const answer = await stack.graphql<{ __typename: string }>(FLOOR.query, {}, manager);
  expect(answer.data?.__typename).toBe('Query');
});
