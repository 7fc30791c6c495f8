import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { setScreeningSchedule } from '../../db/contacts';
import { childIdFor, contactIdFor, contactReference } from '../../db/ids';
import { migrate } from '../../db/migrate';
import { createSql, type Sql } from '../../db/sql';
import { projectRoot } from '../../server/env';
import type { ReceivedContact } from '../../workflows/contact';
import { startStack, type TestStack } from '../support/stack';

// Contacts scheduled before issue 9's fix of the out-of-hours clock, in a database of this file's own: migrated up to
// 008, given deadlines as the old code stored them, then migrated to the current schema and read through the API.
const PINNED_NOW = new Date('2026-11-25T12:00:00Z');
const database = `clock_migration_${randomUUID().replaceAll('-', '')}`;
let databaseUrl: string;
let stack: TestStack;

function contact(id: string, receivedAt: string): ReceivedContact {
  const contactId = contactIdFor('hf', id);
  return {
    contactId, reference: contactReference('hf', contactId, new Date(receivedAt)), borough: 'hf', idempotencyKey: null, receivedAt, receivedBy: 'edt-worker',
    channel: 'PHONE', referrer: { type: 'POLICE', name: null, organisation: 'Met Police', contactDetails: null },
    children: [{ firstName: 'Ola', lastName: 'Example', dateOfBirth: '2019-04-04', expectedDateOfBirth: null }],
    indicators: ['DOMESTIC_ABUSE'], summary: 'Police attended a domestic incident; the child was present.', consent: 'NOT_SOUGHT', rulesetVersion: null,
  };
}

/**
 * The contact's rows as the code of the time (schema 008) wrote them. Today's insertContact also writes tables from
 * later migrations (the child's census id, migration 012), which a database at 008 does not have yet.
 */
async function insertAsBefore(sql: Sql, c: ReceivedContact): Promise<void> {
  const child = c.children[0]!;
  await sql`
    insert into contacts (id, borough, reference, idempotency_key, received_at, received_by, channel, referrer_type, referral_source_code, referrer_name,
      referrer_organisation, referrer_contact_details, consent, indicators, summary, ruleset_version, status)
    values (${c.contactId}, ${c.borough}, ${c.reference}, null, ${c.receivedAt}, ${c.receivedBy}, ${c.channel}, ${c.referrer.type}, '6', null,
      ${c.referrer.organisation}, null, ${c.consent}, ${c.indicators}, ${c.summary}, null, 'RECEIVED')`;
  await sql`
    insert into contact_children (contact_id, borough, position, first_name, last_name, date_of_birth, expected_date_of_birth, child_id)
    values (${c.contactId}, ${c.borough}, 0, ${child.firstName}, ${child.lastName}, ${child.dateOfBirth}, null, ${childIdFor(c.borough, child)})`;
  await sql`
    insert into cases (id, borough, kind, contact_id, reference, stage, opened_at)
    values (${c.contactId}, ${c.borough}, 'CONTACT', ${c.contactId}, ${c.reference}, 'SCREENING', ${c.receivedAt})`;
}

const outOfHours = contact(`old-ooh-${randomUUID()}`, '2026-11-21T22:00:00Z'); // Saturday 22:00
const inHours = contact(`old-in-hours-${randomUUID()}`, '2026-11-20T11:00:00Z'); // Friday 11:00

beforeAll(async () => {
  const admin = createSql(inject('databaseUrl'), { max: 1 });
  await admin.unsafe(`create database ${database}`);
  await admin.end();
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${database}`;
  databaseUrl = url.toString();

  const sql = createSql(databaseUrl, { max: 1 });
  const before = path.join(inject('scratchDir'), `migrations-before-009-${randomUUID()}`);
  await fs.mkdir(before);
  const shipped = path.join(projectRoot, 'db', 'migrations');
  for (const name of (await fs.readdir(shipped)).filter((file) => file < '009')) await fs.copyFile(path.join(shipped, name), path.join(before, name));
  await migrate(sql, before);
  // As the code before the fix stored them: out of hours, the day after the handover day was day 1 (Tuesday, not Monday).
  await insertAsBefore(sql, outOfHours);
  await setScreeningSchedule(sql, 'hf', outOfHours.contactId, { outOfHours: true, clockStartsAt: '2026-11-23T09:00:00.000Z', dueDate: '2026-11-24', dueAt: '2026-11-24T17:00:00.000Z' }, outOfHours.receivedAt);
  await insertAsBefore(sql, inHours);
  await setScreeningSchedule(sql, 'hf', inHours.contactId, { outOfHours: false, clockStartsAt: inHours.receivedAt, dueDate: '2026-11-23', dueAt: '2026-11-23T17:00:00.000Z' }, inHours.receivedAt);
  expect(await migrate(sql)).toContain('009_screening_clock_rule.sql');
  await sql.end();
  stack = await startStack({ databaseUrl, now: () => PINNED_NOW });
});
afterAll(async () => {
  await stack?.stop();
  const admin = createSql(inject('databaseUrl'), { max: 1 });
  await admin.unsafe(`drop database if exists ${database}`);
  await admin.end();
});

const READ = `query ($id: ID!) { contact(id: $id) { status screening { outOfHours dueDate dueAt computedUnder } } }`;
type Read = { contact: { status: string; screening: { outOfHours: boolean; dueDate: string; dueAt: string; computedUnder: string } } };

it('keeps an out-of-hours deadline stored before the fix as it was, and says it was computed under the superseded rule', async () => {
  const token = await stack.token({ boroughs: ['hf'] });
  const old = await stack.graphql<Read>(READ, { id: outOfHours.contactId }, token);
  expect(old.errors).toBeUndefined();
  expect(old.data!.contact.screening).toEqual({ outOfHours: true, dueDate: '2026-11-24', dueAt: '2026-11-24T17:00:00.000Z', computedUnder: 'DAY_AFTER_HANDOVER_IS_DAY_1' });
  // In office hours both rules agree: nothing to flag.
  const same = await stack.graphql<Read>(READ, { id: inHours.contactId }, token);
  expect(same.data!.contact.screening).toEqual({ outOfHours: false, dueDate: '2026-11-23', dueAt: '2026-11-23T17:00:00.000Z', computedUnder: 'HANDOVER_DAY_IS_DAY_1' });
});
