import { randomUUID } from 'node:crypto';
import type { CharacteristicsInput } from '../rules/cin-codes';
import { appendEvent } from './casework';
import type { Sql, Tx } from './sql';

// A child as the census knows them (migration 012): one row per child a borough knows, keyed by the child's id
// (db/ids.ts childIdFor), with a census id given once and the characteristics recorded at contact or on the episode.
// Every change is a row of child_characteristic_changes: who, when, from what, to what, through which step.

type Db = Sql | Tx;

export const CHARACTERISTIC_FIELDS = ['sex', 'ethnicity', 'disabilities', 'upn', 'upnUnknown', 'deathDate'] as const;
export type CharacteristicField = (typeof CHARACTERISTIC_FIELDS)[number];

/** Characteristics as stored; null is "not recorded" (disabilities ['NONE'] is a recorded "no disability"). */
export interface Characteristics {
  sex: string | null;
  ethnicity: string | null;
  disabilities: string[] | null;
  upn: string | null;
  upnUnknown: string | null;
  deathDate: string | null;
}

export interface ChildCharacteristicsRecord extends Characteristics {
  borough: string;
  childId: string;
  /** The census LAchildID: the borough's code in capitals and 8 digits, given once, never changed. */
  laChildId: string;
}

export interface CharacteristicChange {
  id: string;
  childId: string;
  field: CharacteristicField;
  fromValue: string | null;
  toValue: string | null;
  changedBy: string;
  changedAt: Date;
  source: 'CONTACT' | 'EPISODE_STEP' | 'MIGRATION';
  contactId: string | null;
  episodeId: string | null;
}

const COLUMNS = {
  sex: 'sex', ethnicity: 'ethnicity', disabilities: 'disabilities', upn: 'upn', upnUnknown: 'upn_unknown', deathDate: 'death_date',
} as const satisfies Record<CharacteristicField, string>;

/** A value as the change history holds it: disabilities as codes joined by commas, dates as YYYY-MM-DD. */
function asText(value: string | readonly string[] | null): string | null {
  if (value === null) return null;
  return typeof value === 'string' ? value : value.join(',');
}

const same = (a: string | readonly string[] | null, b: string | readonly string[] | null) => asText(a) === asText(b);

/**
 * The child's row, created with its census id the first time the borough hears of the child (idempotent), and locked
 * for the rest of the transaction so concurrent contacts and steps about one child apply one after another.
 */
async function lockChild(tx: Tx, borough: string, childId: string): Promise<ChildCharacteristicsRecord> {
  await ensureChildren(tx, borough, [childId]);
  const [row] = await tx<ChildCharacteristicsRecord[]>`
    select borough, child_id, la_child_id, sex, ethnicity, disabilities, upn, upn_unknown, to_char(death_date, 'YYYY-MM-DD') as death_date
    from children where borough = ${borough} and child_id = ${childId} for update`;
  return row!;
}

/** Writes the new values and one change row per field, in the caller's transaction. */
async function applyChanges(
  tx: Tx, current: ChildCharacteristicsRecord, next: Partial<Characteristics>,
  meta: { by: string; at: string; source: CharacteristicChange['source']; contactId: string | null; episodeId: string | null },
): Promise<CharacteristicField[]> {
  const fields = (Object.keys(next) as CharacteristicField[]).filter((field) => !same(current[field], next[field] ?? null));
  if (fields.length === 0) return [];
  const values = Object.fromEntries(fields.map((field) => [COLUMNS[field], next[field] ?? null]));
  await tx`update children set ${tx(values)}, updated_at = now() where borough = ${current.borough} and child_id = ${current.childId}`;
  for (const field of fields) {
    await tx`
      insert into child_characteristic_changes (id, borough, child_id, field, from_value, to_value, changed_by, changed_at, source, contact_id, episode_id)
      values (${randomUUID()}, ${current.borough}, ${current.childId}, ${field}, ${asText(current[field])}, ${asText(next[field] ?? null)},
        ${meta.by}, ${meta.at}, ${meta.source}, ${meta.contactId}, ${meta.episodeId})`;
  }
  return fields;
}

/** Only the fields given (an absent field is left alone), as stored. */
function given(input: CharacteristicsInput & { deathDate?: string | null }): Partial<Characteristics> {
  const out: Partial<Characteristics> = {};
  if (input.sex !== undefined) out.sex = input.sex;
  if (input.ethnicity !== undefined) out.ethnicity = input.ethnicity;
  if (input.disabilities !== undefined) out.disabilities = input.disabilities === null ? null : [...input.disabilities];
  if (input.upn !== undefined) out.upn = input.upn;
  if (input.upnUnknown !== undefined) out.upnUnknown = input.upnUnknown;
  if (input.deathDate !== undefined) out.deathDate = input.deathDate;
  return out;
}

/**
 * A child named on a contact, in the contact's transaction: makes sure the child has a census id, and records the
 * characteristics the contact gives that the child has none of yet (source CONTACT). A value that differs from one
 * already recorded is NOT overwritten: a referrer's word does not silently replace what a caseworker recorded; it is
 * listed as differing (on the contact's timeline, field names only) for a caseworker to check and change on the
 * episode. Returns the fields recorded and the fields that differ.
 */
export async function recordChildFromContact(
  tx: Tx,
  child: { borough: string; childId: string; contactId: string; position: number; characteristics: CharacteristicsInput | undefined; by: string; at: string },
): Promise<{ recorded: CharacteristicField[]; differing: CharacteristicField[] }> {
  const current = await lockChild(tx, child.borough, child.childId);
  const offered = Object.entries(given(child.characteristics ?? {})).filter(([, value]) => value !== null) as [CharacteristicField, string | string[]][];
  const missing: Partial<Characteristics> = {};
  const differing: CharacteristicField[] = [];
  for (const [field, value] of offered) {
    if (current[field] === null) (missing as Record<string, unknown>)[field] = value;
    else if (!same(current[field], value)) differing.push(field);
  }
  // A UPN and a reason it is unknown exclude each other: a contact never replaces one with the other.
  if (missing.upn != null && current.upnUnknown !== null) { delete missing.upn; differing.push('upn'); }
  if (missing.upnUnknown != null && current.upn !== null) { delete missing.upnUnknown; differing.push('upnUnknown'); }
  const recorded = await applyChanges(tx, current, missing, { by: child.by, at: child.at, source: 'CONTACT', contactId: child.contactId, episodeId: null });
  if (recorded.length > 0 || differing.length > 0) {
    await appendEvent(tx, {
      borough: child.borough, caseId: child.contactId, contactId: child.contactId, kind: 'CHILD_CHARACTERISTICS_RECORDED', key: `characteristics:${child.position}`,
      at: child.at, actor: child.by,
      // Field names only, never values.
      detail: { child: child.position + 1, recorded, differing },
    });
  }
  return { recorded, differing };
}

/**
 * A caseworker's (or data officer's) change on an episode, in one transaction: each field given that differs from the
 * record is changed (null clears it) with a change row (source EPISODE_STEP) and one timeline event on the episode
 * naming the fields (never the values). Giving a UPN clears a recorded reason it was unknown, and the reverse.
 * A repeat of the same request changes nothing more. Returns the fields changed.
 */
export async function changeChildCharacteristics(
  sql: Sql,
  step: { borough: string; childId: string; episodeId: string; contactId: string; values: CharacteristicsInput & { deathDate?: string | null }; reason: string; by: string; at: string },
): Promise<CharacteristicField[]> {
  return sql.begin(async (tx) => {
    const current = await lockChild(tx, step.borough, step.childId);
    const next = given(step.values);
    if (next.upn != null && next.upnUnknown === undefined) next.upnUnknown = null;
    if (next.upnUnknown != null && next.upn === undefined) next.upn = null;
    const changed = await applyChanges(tx, current, next, { by: step.by, at: step.at, source: 'EPISODE_STEP', contactId: null, episodeId: step.episodeId });
    if (changed.length > 0) {
      await appendEvent(tx, {
        borough: step.borough, caseId: step.episodeId, contactId: step.contactId, kind: 'CHILD_CHARACTERISTICS_CHANGED', key: `characteristics:${randomUUID()}`,
        at: step.at, actor: step.by, detail: { fields: changed, reason: step.reason },
      });
    }
    return changed;
  });
}

/** Where an episode's child is named (the contact that opened it, the position on it) and their date of birth. */
export async function episodeChild(sql: Sql, borough: string, episodeId: string): Promise<{ contactId: string; childPosition: number; dateOfBirth: string | null } | null> {
  const [row] = await sql<{ contactId: string; childPosition: number; dateOfBirth: string | null }[]>`
    select c.contact_id, c.child_position, to_char(k.date_of_birth, 'YYYY-MM-DD') as date_of_birth
    from cases c join contact_children k on k.borough = c.borough and k.contact_id = c.contact_id and k.position = c.child_position
    where c.borough = ${borough} and c.id = ${episodeId} and c.kind = 'EPISODE'`;
  return row ?? null;
}

/** Census ids and characteristics of several children of one borough (one query for a page). */
export async function childrenByIds(sql: Sql, borough: string, childIds: readonly string[]): Promise<ChildCharacteristicsRecord[]> {
  return sql<ChildCharacteristicsRecord[]>`
    select borough, child_id, la_child_id, sex, ethnicity, disabilities, upn, upn_unknown, to_char(death_date, 'YYYY-MM-DD') as death_date
    from children where borough = ${borough} and child_id = any(${childIds as string[]})`;
}

/** The change history of several children of one borough, oldest first. */
export async function characteristicChangesOf(sql: Sql, borough: string, childIds: readonly string[]): Promise<CharacteristicChange[]> {
  return sql<CharacteristicChange[]>`
    select id, child_id, field, from_value, to_value, changed_by, changed_at, source, contact_id, episode_id
    from child_characteristic_changes where borough = ${borough} and child_id = any(${childIds as string[]})
    order by changed_at, id`;
}

/**
 * Census ids for these children of one borough, for those without one: a contact naming a child, bulk loads such as
 * synthetic contacts, and the returns (a child named before migration 012's backfill ran). The id's form is the
 * database's `census_child_id` (migration 014).
 */
export async function ensureChildren(db: Db, borough: string, childIds: readonly string[]): Promise<void> {
  await db`
    insert into children (borough, child_id, la_child_id)
    select ${borough}, child_id, census_child_id(${borough})
    from (select distinct unnest(${childIds as string[]}::uuid[]) as child_id) given
    where not exists (select 1 from children c where c.borough = ${borough} and c.child_id = given.child_id)
    on conflict do nothing`;
}

/** Makes sure every child named on a contact has a census id (children named before migration 012 ran without one). */
export async function ensureChildRows(db: Db): Promise<void> {
  await db`
    insert into children (borough, child_id, la_child_id)
    select borough, child_id, census_child_id(borough)
    from (select distinct borough, child_id from contact_children k where child_id is not null
          and not exists (select 1 from children c where c.borough = k.borough and c.child_id = k.child_id)) missing
    on conflict do nothing`;
}
