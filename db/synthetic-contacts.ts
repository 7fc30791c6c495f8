/**
 * Synthetic past contacts, for the simulation benchmark and tests: a repeatable mix of concerns, ages, consent,
 * referrers and family history, written straight into `contacts`, `contact_children` and `recommendations` (no
 * workflows, no names of real people). Never point this at a database holding real cases.
 */
import { randomUUID } from 'node:crypto';
import type { ContactForRules, Recommendation } from '../rules/thresholds';
import { CONCERN_INDICATORS, CONSENT_STATUSES, REFERRER_TYPE_NAMES, REFERRER_TYPES, type ConcernIndicator } from '../rules/vocabulary';
import { ensureChildren } from './children';
import { childIdFor, contactReference } from './ids';
import type { Sql } from './sql';

/** One past contact to store, with the recommendation it was given (null: not yet recommended). */
export interface PastContactInput {
  id?: string;
  contact: ContactForRules;
  recommendation: Recommendation | null;
}

/**
 * `count` contacts received between `from` and `to`, drawn from a generator seeded with `seed`: mostly one to three
 * concerns (a few with none or with the safeguarding indicators), one to three children of any age or unborn.
 */
export function syntheticContacts(count: number, period: { from: Date; to: Date }, seed = 1): ContactForRules[] {
  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const span = period.to.getTime() - period.from.getTime();
  const common: ConcernIndicator[] = ['DOMESTIC_ABUSE', 'NEGLECT', 'SCHOOL_ATTENDANCE', 'BEHAVIOUR', 'PARENTAL_MENTAL_HEALTH', 'PARENTAL_SUBSTANCE_MISUSE', 'FAMILY_CONFLICT', 'CHILD_MENTAL_HEALTH'];
  return Array.from({ length: count }, () => {
    const receivedAt = new Date(period.from.getTime() + Math.floor(random() * span));
    const indicators = new Set<ConcernIndicator>();
    const concerns = Math.floor(random() * 4);
    for (let i = 0; i < concerns; i++) indicators.add(random() < 0.7 ? pick(common) : pick(CONCERN_INDICATORS));
    const children = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
      if (random() < 0.05) return { dateOfBirth: null, expectedDateOfBirth: isoDate(new Date(receivedAt.getTime() + (10 + random() * 150) * 86_400_000)) };
      return { dateOfBirth: isoDate(new Date(receivedAt.getTime() - (1 + random() * 17.9 * 365) * 86_400_000)), expectedDateOfBirth: null };
    });
    return {
      receivedAt: receivedAt.toISOString(),
      referrerType: pick(REFERRER_TYPE_NAMES),
      consent: pick(CONSENT_STATUSES),
      indicators: CONCERN_INDICATORS.filter((i) => indicators.has(i)),
      children,
      previousContactsWithin12Months: random() < 0.7 ? 0 : Math.floor(random() * 5),
    };
  });
}

/** Stores past contacts with their children and recommendations, a few hundred rows per statement. Returns their ids. */
export async function insertPastContacts(sql: Sql, borough: string, items: readonly PastContactInput[]): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < items.length; start += 250) {
    const chunk = items.slice(start, start + 250).map((item) => ({ ...item, id: item.id ?? randomUUID() }));
    const contacts = chunk.map(({ id, contact, recommendation }) => ({
      id,
      borough,
      reference: contactReference(borough, id, new Date(contact.receivedAt)),
      receivedAt: new Date(contact.receivedAt),
      receivedBy: 'synthetic',
      channel: 'PHONE',
      referrerType: contact.referrerType,
      referralSourceCode: REFERRER_TYPES[contact.referrerType],
      consent: contact.consent,
      indicators: contact.indicators,
      summary: 'Synthetic contact.',
      rulesetVersion: recommendation?.rulesetVersion ?? 1,
      status: recommendation ? 'AWAITING_SCREENING' : 'RECEIVED',
    }));
    const children = chunk.flatMap(({ id, contact }) =>
      contact.children.map((child, position) => ({
        contactId: id,
        borough,
        position,
        firstName: 'Child',
        lastName: 'Synthetic',
        dateOfBirth: child.dateOfBirth ?? null,
        expectedDateOfBirth: child.dateOfBirth ? null : (child.expectedDateOfBirth ?? null),
        childId: childIdFor(borough, { firstName: 'Child', lastName: 'Synthetic', dateOfBirth: child.dateOfBirth ?? null, expectedDateOfBirth: child.dateOfBirth ? null : (child.expectedDateOfBirth ?? null) }),
      })),
    );
    const recommendations = chunk.flatMap(({ id, contact, recommendation: r }) =>
      r
        ? [{
            contactId: id,
            borough,
            levelOfNeed: r.levelOfNeed,
            pathway: r.pathway,
            rag: r.rag,
            decidingRuleId: r.decidingRuleId,
            summary: r.summary,
            explanation: sql.json(JSON.parse(JSON.stringify(r.explanation)) as Parameters<Sql['json']>[0]),
            rulesetVersion: r.rulesetVersion,
            rulesetHash: r.rulesetHash,
            evaluatedAt: new Date(contact.receivedAt),
          }]
        : [],
    );
    await sql.begin(async (tx) => {
      await tx`insert into contacts ${tx(contacts)}`;
      if (children.length) await tx`insert into contact_children ${tx(children)}`;
      if (children.length) await ensureChildren(tx, borough, children.map((child) => child.childId));
      if (recommendations.length) await tx`insert into recommendations ${tx(recommendations)}`;
    });
    ids.push(...chunk.map((item) => item.id));
  }
  return ids;
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A small, fast, seedable pseudo-random generator (mulberry32), so synthetic data is the same on every run. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
