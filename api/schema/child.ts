import DataLoader from 'dataloader';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { childrenOfContacts, findCaseHeader, type ContactChildRecord } from '../../db/cases';
import { characteristicChangesOf, changeChildCharacteristics, childrenByIds, episodeChild, type CharacteristicChange, type ChildCharacteristicsRecord } from '../../db/children';
import { findEpisodeHeader } from '../../db/episodes';
import { characteristicProblems, DISABILITIES, ETHNICITIES, SEXES, UPN_UNKNOWN_REASONS, type Disability, type Ethnicity, type Sex, type UpnUnknownReason } from '../../rules/cin-codes';
import { rolesFor } from '../access';
import { builder } from '../builder';
import { fromStore, requireBoroughRole, type ApiContext } from '../context';
import { apiError, inputError, type InputProblem } from '../errors';

// A child named on a contact, as a contact, a case and an episode show it. Personal data: it is read from the
// contact's record in PostgreSQL when asked for, only through types the caller is already allowed to read.

/** A child with their 0-based position on the contact that named them. */
export type ChildShape = Omit<ContactChildRecord, 'contactId'>;

// ---- census characteristics (issue 10) ----

const described = <K extends string>(codes: Readonly<Record<K, string>>) =>
  Object.fromEntries(Object.entries(codes).map(([code, description]) => [code, { description }])) as Record<K, { description: string }>;

export const SexEnum = builder.enumType('Sex', { values: described(SEXES), description: 'Census Sex (from 2024–25): M, F or U (not known).' });
export const EthnicityEnum = builder.enumType('Ethnicity', { values: described(ETHNICITIES), description: 'Census ethnicity, the 20 codes (REFU refused, NOBT not yet obtained).' });
export const DisabilityEnum = builder.enumType('Disability', { values: described(DISABILITIES), description: 'Census disability code; NONE (no disability) only alone.' });
export const UpnUnknownReasonEnum = builder.enumType('UpnUnknownReason', {
  values: UPN_UNKNOWN_REASONS, description: 'Why the child has no UPN, UN1–UN7 as in the DfE CIN census guide (UN7: a referral with no further action).',
});

/** The census fields a contact's ChildInput and a recordChildCharacteristics step can give, with their descriptions. */
export const CHARACTERISTIC_INPUT_DESCRIPTIONS = {
  sex: 'M, F or U.',
  ethnicity: 'One of the 20 census codes.',
  disabilities: 'Census codes, each once; [NONE] for no disability (NONE only alone).',
  upn: 'Unique pupil number: a check letter, 11 digits and a digit or letter, e.g. H801200001001; the check letter must match (census rule 1510). Not with upnUnknown.',
  upnUnknown: 'Why the UPN is not known (UN1–UN7). Not with upn.',
} as const;

/** The problems with characteristics as given, at their paths under `at` (e.g. `input.children[0]`). */
export function characteristicInputProblems(input: Parameters<typeof characteristicProblems>[0], at: string): InputProblem[] {
  return characteristicProblems(input).map(([field, message]) => ({ field: `${at}.${field}`, message }));
}

const censusLoaders = new WeakMap<ApiContext, { children: DataLoader<string, ChildCharacteristicsRecord[]>; changes: DataLoader<string, CharacteristicChange[]> }>();

function censusLoader(context: ApiContext) {
  let loaders = censusLoaders.get(context);
  if (!loaders) {
    const { sql } = context.services;
    loaders = {
      children: byBoroughLoader((b, ids) => childrenByIds(sql, b, ids), (row) => row.childId),
      changes: byBoroughLoader((b, ids) => characteristicChangesOf(sql, b, ids), (row) => row.childId),
    };
    censusLoaders.set(context, loaders);
  }
  return loaders;
}

/** The child's census record (census id and characteristics), batched per request; null for a child not yet matched. */
async function censusOf(context: ApiContext, child: ChildShape): Promise<ChildCharacteristicsRecord | null> {
  if (child.childId === null) return null;
  return (await censusLoader(context).children.load(`${child.borough}|${child.childId}`))[0] ?? null;
}

const CharacteristicFieldEnum = builder.enumType('CharacteristicField', { values: ['sex', 'ethnicity', 'disabilities', 'upn', 'upnUnknown', 'deathDate'] as const });
const CharacteristicSourceEnum = builder.enumType('CharacteristicSource', {
  values: { CONTACT: { description: 'Given on a contact (only fills a value not yet recorded).' }, EPISODE_STEP: { description: 'recordChildCharacteristics on an episode.' }, MIGRATION: { description: 'A data migration.' } },
});

const CharacteristicChangeRef = builder.objectRef<CharacteristicChange>('CharacteristicChange').implement({
  description: 'One change of one characteristic: who changed it, when, from what to what, and through which step.',
  fields: (t) => ({
    field: t.field({ type: CharacteristicFieldEnum, resolve: (c) => c.field }),
    from: t.exposeString('fromValue', { nullable: true, description: 'The value before (null: not recorded); disabilities as codes joined by commas, dates as YYYY-MM-DD.' }),
    to: t.exposeString('toValue', { nullable: true, description: 'The value after (null: cleared), as `from`.' }),
    changedBy: t.exposeString('changedBy'),
    changedAt: t.expose('changedAt', { type: 'DateTime' }),
    source: t.field({ type: CharacteristicSourceEnum, resolve: (c) => c.source }),
  }),
});

export const Child = builder.objectRef<ChildShape>('Child').implement({
  description: 'A child a contact is about: names, and date of birth (or, unborn, the expected date).',
  fields: (t) => ({
    number: t.int({
      description: 'Which child of the contact: 1 for the first child it named, 2 for the second, … An episode\'s reference ends "/<number>".',
      resolve: (c) => c.position + 1,
    }),
    firstName: t.exposeString('firstName'),
    lastName: t.exposeString('lastName'),
    dateOfBirth: t.expose('dateOfBirth', { type: 'Date', nullable: true }),
    expectedDateOfBirth: t.expose('expectedDateOfBirth', { type: 'Date', nullable: true, description: 'For an unborn child (dateOfBirth is then null).' }),
    censusId: t.string({
      nullable: true,
      description: 'The child\'s census id (LAchildID) in this borough: the borough\'s code and 8 digits, e.g. HF00000042, given when the borough first hears of the child and the same on every later contact and episode. Null only for a child whose identity is still being matched after an upgrade.',
      resolve: async (c, _args, context) => (await censusOf(context, c))?.laChildId ?? null,
    }),
    sex: t.field({ type: SexEnum, nullable: true, description: 'Null: not recorded.', resolve: async (c, _args, context) => ((await censusOf(context, c))?.sex ?? null) as Sex | null }),
    ethnicity: t.field({ type: EthnicityEnum, nullable: true, description: 'Null: not recorded.', resolve: async (c, _args, context) => ((await censusOf(context, c))?.ethnicity ?? null) as Ethnicity | null }),
    disabilities: t.field({
      type: [DisabilityEnum], nullable: true, description: 'Null: not recorded; [NONE]: recorded as no disability.',
      resolve: async (c, _args, context) => ((await censusOf(context, c))?.disabilities ?? null) as Disability[] | null,
    }),
    upn: t.string({ nullable: true, description: 'Unique pupil number; null when not recorded (see upnUnknown).', resolve: async (c, _args, context) => (await censusOf(context, c))?.upn ?? null }),
    upnUnknown: t.field({ type: UpnUnknownReasonEnum, nullable: true, description: 'Why the UPN is not known, if recorded.', resolve: async (c, _args, context) => ((await censusOf(context, c))?.upnUnknown ?? null) as UpnUnknownReason | null }),
    deathDate: t.field({ type: 'Date', nullable: true, resolve: async (c, _args, context) => (await censusOf(context, c))?.deathDate ?? null }),
    characteristicChanges: t.field({
      type: [CharacteristicChangeRef],
      description: 'Every change of the child\'s characteristics, oldest first: at contact and on episodes, by anyone.',
      resolve: async (c, _args, context) => (c.childId === null ? [] : censusLoader(context).changes.load(`${c.borough}|${c.childId}`)),
    }),
  }),
});

/**
 * Per-request loader, keyed `borough|contactId`: every contact's children of one borough in one query, each query
 * naming its borough.
 */
export function byBoroughLoader<T>(load: (borough: string, ids: readonly string[]) => Promise<T[]>, keyOf: (row: T) => string): DataLoader<string, T[]> {
  return new DataLoader<string, T[]>(async (keys) => {
    const byBorough = new Map<string, string[]>();
    for (const key of keys) {
      const [borough, id] = key.split('|') as [string, string];
      byBorough.set(borough, [...(byBorough.get(borough) ?? []), id]);
    }
    const rows = (await Promise.all([...byBorough].map(([borough, ids]) => fromStore(() => load(borough, ids))))).flat();
    const grouped = new Map<string, T[]>();
    for (const row of rows) {
      const list = grouped.get(keyOf(row));
      if (list) list.push(row);
      else grouped.set(keyOf(row), [row]);
    }
    return keys.map((key) => grouped.get(key.split('|')[1]!) ?? []);
  });
}

const childLoaders = new WeakMap<ApiContext, DataLoader<string, ContactChildRecord[]>>();

/** The children a contact named, in order (batched per request). */
export function childrenOfContact(context: ApiContext, borough: string, contactId: string): Promise<ContactChildRecord[]> {
  let loader = childLoaders.get(context);
  if (!loader) {
    loader = byBoroughLoader((b, ids) => childrenOfContacts(context.services.sql, b, ids), (row) => row.contactId);
    childLoaders.set(context, loader);
  }
  return loader.load(`${borough}|${contactId}`);
}

/** The one child an episode (or an episode's case) is about: the child at its position on the contact that opened it. */
export async function childOfEpisode(context: ApiContext, c: { borough: string; contactId: string; childPosition: number | null }): Promise<ChildShape | null> {
  if (c.childPosition === null) return null;
  return (await childrenOfContact(context, c.borough, c.contactId)).find((child) => child.position === c.childPosition) ?? null;
}

// ---- recording characteristics on an episode ----

const RecordChildCharacteristicsInput = builder.inputType('RecordChildCharacteristicsInput', {
  description: 'Give only the fields to change; null clears a value (back to "not recorded"). A UPN replaces a recorded upnUnknown, and the reverse.',
  fields: (t) => ({
    caseId: t.id({ required: true, description: 'The child\'s episode (open or closed: a census gap can be fixed after closure).' }),
    sex: t.field({ type: SexEnum, description: CHARACTERISTIC_INPUT_DESCRIPTIONS.sex }),
    ethnicity: t.field({ type: EthnicityEnum, description: CHARACTERISTIC_INPUT_DESCRIPTIONS.ethnicity }),
    disabilities: t.field({ type: [DisabilityEnum], description: CHARACTERISTIC_INPUT_DESCRIPTIONS.disabilities }),
    upn: t.string({ description: CHARACTERISTIC_INPUT_DESCRIPTIONS.upn }),
    upnUnknown: t.field({ type: UpnUnknownReasonEnum, description: CHARACTERISTIC_INPUT_DESCRIPTIONS.upnUnknown }),
    deathDate: t.field({ type: 'Date', description: 'Not in the future, not before the child\'s date of birth.' }),
    reason: t.string({ required: true, description: 'Why the record changes, e.g. "UPN confirmed with the school" (at least 10 characters).' }),
  }),
});

builder.mutationField('recordChildCharacteristics', (t) => t.field({
  type: Child,
  description: 'Records or corrects the census characteristics of an episode\'s child, with who, when, from what and to what in the child\'s history, and an event on the episode\'s timeline naming the fields. Answers with the child.',
  authScopes: { authenticated: true },
  args: { input: t.arg({ type: RecordChildCharacteristicsInput, required: true }) },
  resolve: async (_root, { input }, context) => {
    const caller = context.caller!;
    const caseId = String(input.caseId);
    const { sql } = context.services;
    const isId = z.uuid().safeParse(caseId).success;
    const episode = isId ? await fromStore(() => findEpisodeHeader(sql, caller.boroughs, caseId)) : null;
    if (!episode) {
      const other = isId ? await fromStore(() => findCaseHeader(sql, caller.boroughs, caseId)) : null;
      if (other) {
        throw inputError([{ field: 'input.caseId', message: 'is a contact at the front door, not a child\'s episode: give the characteristics with the contact (ChildInput), or record them here on the child\'s episode once referred.' }]);
      }
      throw apiError('NOT_FOUND', `No episode ${caseId} in your boroughs (${caller.boroughs.join(', ')}).`);
    }
    requireBoroughRole(context, episode.borough, rolesFor('Mutation.recordChildCharacteristics'));
    const header = await fromStore(() => episodeChild(sql, episode.borough, caseId));
    if (!header) throw apiError('NOT_FOUND', `No episode ${caseId} in your boroughs (${caller.boroughs.join(', ')}).`);

    const problems = characteristicInputProblems(input, 'input');
    const reason = input.reason.trim();
    if (reason.length < 10) problems.push({ field: 'input.reason', message: 'say why the record changes (at least 10 characters), e.g. "UPN confirmed with the school".' });
    const fields = (['sex', 'ethnicity', 'disabilities', 'upn', 'upnUnknown', 'deathDate'] as const).filter((field) => input[field] !== undefined);
    if (fields.length === 0) problems.push({ field: 'input', message: 'give at least one of sex, ethnicity, disabilities, upn, upnUnknown or deathDate.' });
    if (input.deathDate != null) {
      const today = DateTime.fromJSDate(context.services.now(), { zone: 'Europe/London' }).toISODate()!;
      if (input.deathDate > today) problems.push({ field: 'input.deathDate', message: `is in the future (today is ${today}); record a death once it has happened.` });
      else if (header.dateOfBirth !== null && input.deathDate < header.dateOfBirth) problems.push({ field: 'input.deathDate', message: `is before the child's date of birth (${header.dateOfBirth}); check both dates.` });
    }
    if (problems.length > 0) throw inputError(problems);

    await fromStore(() => changeChildCharacteristics(sql, {
      borough: episode.borough, childId: episode.childId, episodeId: caseId, contactId: header.contactId, reason, by: caller.userId, at: context.services.now().toISOString(),
      values: Object.fromEntries(fields.map((field) => [field, input[field] ?? null])),
    }));
    const child = await childOfEpisode(context, { borough: episode.borough, contactId: header.contactId, childPosition: header.childPosition });
    if (!child) throw new Error(`Episode ${caseId} has no child recorded at position ${header.childPosition} of contact ${header.contactId}.`);
    return child;
  },
}));
