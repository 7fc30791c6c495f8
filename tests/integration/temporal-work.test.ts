import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countHistory, tasksOf } from '../../bench/temporal-work';
import { projectRoot } from '../../server/env';
import { contactWorkflowId } from '../../workflows/contact';
import { historyToFixture } from '../support/histories';
import { eventually, startStack, type TestStack } from '../support/stack';
import { agencyResponds, decideMash, decideScreening, receiveContact, recordConsent, requestAgency, screenable } from '../support/walk';

// How much work Temporal does for a contact (issue 11, target 1), counted exactly from its history: the front door's
// short PostgreSQL writes, rule evaluation and deadline arithmetic run as local activities (one marker each, inside the
// workflow task that asked) rather than activity tasks (three events and another workflow task each). Over GraphQL
// against a whole Front Door. The histories are recorded once, when absent, for tests/integration/replay.test.ts and
// the bench's "temporal work" section (bench/temporal-work.ts), which sets them beside those of the code before.

let stack: TestStack;
let manager: string;

const FIXTURES = path.join(projectRoot, 'tests', 'fixtures', 'histories');

/** Waits for the contact's workflow to finish, records its history once, and counts it. */
async function finishedWork(name: string, contactId: string) {
  const handle = stack.temporal.workflow.getHandle(contactWorkflowId(contactId));
  await handle.result();
  const history = await handle.fetchHistory();
  const file = path.join(FIXTURES, name);
  if (!(await fs.stat(file).catch(() => null))) await fs.writeFile(file, historyToFixture(history));
  return countHistory(history);
}

beforeAll(async () => {
  stack = await startStack();
  manager = await stack.token({ user: 'tm-hf-work', roles: ['manager'], boroughs: ['hf'] });
});
afterAll(async () => {
  await stack?.stop();
});

describe('the Temporal work a contact costs', () => {
  it('no further action: receipt, recommendation, screening decision and closure in half the events of the code before (at most 26) and at most 4 tasks, none an activity task', async () => {
    const id = await receiveContact(stack, manager);
    await screenable(stack, manager, id);
    const decided = await decideScreening(stack, manager, id, { pathway: 'NO_FURTHER_ACTION', rag: 'GREEN', levelOfNeed: 1, primaryNeed: null });
    expect(decided.errors).toBeUndefined();
    expect(decided.data!.recordScreeningDecision).toMatchObject({ status: 'CLOSED', outcome: 'NO_FURTHER_ACTION' });

    const work = await finishedWork('contact-local-activities-nfa-hf.json', id);
    // Still everything a user sees: the contact, its recommendation, decision and closure are stored, once.
    const [stored] = await stack.sql<{ contacts: number; recommendations: number; decisions: number; status: string }[]>`
      select (select count(*)::int from contacts where id = ${id}) as contacts,
             (select count(*)::int from recommendations where contact_id = ${id}) as recommendations,
             (select count(*)::int from screening_decisions where contact_id = ${id}) as decisions,
             (select status from contacts where id = ${id}) as status`;
    expect(stored).toEqual({ contacts: 1, recommendations: 1, decisions: 1, status: 'CLOSED' });
    // The old code (contact-nfa-before-local-activities-hf.json, the same steps): 6 activity tasks, 8 workflow tasks,
    // 52 events.
    expect(work.activityTasks).toBe(0);
    expect(work.localActivities).toBe(6);
    expect(tasksOf(work)).toBeLessThanOrEqual(4);
    expect(work.events).toBeLessThanOrEqual(26);
  });

  it('a MASH enquiry to a referral: at most 66 events and 12 tasks, the referral to the episode the one activity task', async () => {
    const id = await receiveContact(stack, manager);
    await screenable(stack, manager, id);
    expect((await decideScreening(stack, manager, id, { pathway: 'MASH_ENQUIRY', rag: 'AMBER', primaryNeed: null })).errors).toBeUndefined();
    expect((await recordConsent(stack, manager, id, 'DISPENSED_WITH', 'RISK_OF_SIGNIFICANT_HARM')).errors).toBeUndefined();
    expect((await requestAgency(stack, manager, id, 'HEALTH')).errors).toBeUndefined();
    // The response is accepted only once the request is stored (it may still be on its way).
    await eventually(() => stack.sql`select 1 from agency_requests where contact_id = ${id} and agency = 'HEALTH'`, (rows) => rows.length === 1);
    expect((await agencyResponds(stack, manager, id, 'HEALTH')).errors).toBeUndefined();
    const referred = await decideMash(stack, manager, id, 'S17_ASSESSMENT');
    expect(referred.errors).toBeUndefined();
    expect(referred.data!.recordMashDecision).toMatchObject({ status: 'REFERRED', outcome: 'S17_ASSESSMENT' });

    const work = await finishedWork('contact-local-activities-mash-referral-hf.json', id);
    const [stored] = await stack.sql<{ responded: number; status: string }[]>`
      select (select count(*)::int from agency_requests where contact_id = ${id} and status = 'RESPONDED') as responded,
             (select status from contacts where id = ${id}) as status`;
    expect(stored).toEqual({ responded: 1, status: 'REFERRED' });
    // The old code (contact-step-answers-mash-referral-hf.json, the same steps): 13 activity tasks, 19 workflow
    // tasks, 120 events.
    expect(work.activityTasks).toBe(1);
    expect(tasksOf(work)).toBeLessThanOrEqual(12);
    expect(work.events).toBeLessThanOrEqual(66);
  });
});
