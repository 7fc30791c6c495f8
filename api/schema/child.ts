import DataLoader from 'dataloader';
import { childrenOfContacts, type ContactChildRecord } from '../../db/cases';
import { builder } from '../builder';
import { fromStore, type ApiContext } from '../context';

// A child named on a contact, as a contact, a case and an episode show it. Personal data: it is read from the
// contact's record in PostgreSQL when asked for, only through types the caller is already allowed to read.

/** A child with their 0-based position on the contact that named them. */
export type ChildShape = Omit<ContactChildRecord, 'contactId'>;

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
