import DataLoader from 'dataloader';
import type { CaseRecord } from '../../db/cases';
import type { ContactRecord } from '../../db/contacts';
import { familyHistories, historySubjectKey, type EarlierContact, type FamilyHistoryRecord, type HistoryEpisode, type HistoryPlan, type HistorySubject } from '../../db/family-history';
import type { CONCERN_INDICATORS, CONTACT_STATUSES, PATHWAYS, RAG_RATINGS } from '../../rules/vocabulary';
import { readableKinds } from '../access';
import { builder } from '../builder';
import { fromStore, type ApiContext } from '../context';
import { Case } from './case';
import { Contact } from './contact';
import { ConcernIndicatorEnum, ContactStatusEnum, PathwayEnum, RagEnum } from './enums';

// ---- per-request batched loading: a page of cases costs four queries per borough, not four per case ----
const loaders = new WeakMap<ApiContext, DataLoader<string, FamilyHistoryRecord | null>>();

function loaderFor(context: ApiContext): DataLoader<string, FamilyHistoryRecord | null> {
  let loader = loaders.get(context);
  if (!loader) {
    const { sql } = context.services;
    // Keys are `borough|contactId|childId|episodeReReferral`: each borough's subjects in one batch, every query naming it.
    loader = new DataLoader<string, FamilyHistoryRecord | null>(async (keys) => {
      const byBorough = new Map<string, { key: string; subject: HistorySubject }[]>();
      for (const key of keys) {
        const [borough, contactId, childId, flag] = key.split('|') as [string, string, string, string];
        const subject: HistorySubject = { contactId, childId: childId || null, episodeReReferral: flag === '' ? null : flag === 'true' };
        byBorough.set(borough, [...(byBorough.get(borough) ?? []), { key, subject }]);
      }
      const found = new Map<string, FamilyHistoryRecord>();
      await Promise.all([...byBorough].map(async ([borough, items]) => {
        const histories = await fromStore(() => familyHistories(sql, borough, items.map((i) => i.subject)));
        for (const { key, subject } of items) {
          const history = histories.get(historySubjectKey(subject));
          if (history) found.set(key, history);
        }
      }));
      return keys.map((key) => found.get(key) ?? null);
    });
    loaders.set(context, loader);
  }
  return loader;
}

/** The family history a caller sees: episodes and plans only for those who may read episodes (not the MASH). */
interface Shown {
  history: FamilyHistoryRecord;
  episodesVisible: boolean;
}

async function historyFor(context: ApiContext, borough: string, subject: HistorySubject): Promise<Shown | null> {
  const key = `${borough}|${subject.contactId}|${subject.childId ?? ''}|${subject.episodeReReferral ?? ''}`;
  const history = await loaderFor(context).load(key);
  return history && { history, episodesVisible: readableKinds(context.caller?.roles ?? []).includes('EPISODE') };
}

// ---- types ----
const HistoryRecommendation = builder.objectRef<NonNullable<EarlierContact['recommendation']>>('HistoryRecommendation').implement({
  description: 'What the threshold rules recommended for an earlier contact.',
  fields: (t) => ({
    levelOfNeed: t.exposeInt('levelOfNeed'),
    pathway: t.field({ type: PathwayEnum, resolve: (r) => r.pathway as (typeof PATHWAYS)[number] }),
    rag: t.field({ type: RagEnum, resolve: (r) => r.rag as (typeof RAG_RATINGS)[number] }),
    decidingRuleId: t.exposeString('decidingRuleId'),
  }),
});

const HistoryDecision = builder.objectRef<NonNullable<EarlierContact['decision']>>('HistoryDecision').implement({
  description: 'The named person\'s screening decision on an earlier contact.',
  fields: (t) => ({
    pathway: t.field({ type: PathwayEnum, resolve: (d) => d.pathway as (typeof PATHWAYS)[number] }),
    levelOfNeed: t.exposeInt('levelOfNeed', { nullable: true }),
    rag: t.field({ type: RagEnum, nullable: true, resolve: (d) => d.rag as (typeof RAG_RATINGS)[number] | null }),
    decidedBy: t.exposeString('decidedBy'),
    decidedAt: t.expose('decidedAt', { type: 'DateTime' }),
    overridden: t.exposeBoolean('overridden', { description: 'The decision differed from the recommendation.' }),
  }),
});

const EarlierContactRef = builder.objectRef<EarlierContact>('EarlierContact').implement({
  description: 'An earlier contact about one or more of the same children (same borough), received before this one.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The contact id (also its case id).' }),
    reference: t.exposeString('reference'),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
    status: t.field({ type: ContactStatusEnum, resolve: (c) => c.status as (typeof CONTACT_STATUSES)[number] }),
    indicators: t.field({ type: [ConcernIndicatorEnum], resolve: (c) => c.indicators as (typeof CONCERN_INDICATORS)[number][] }),
    withinTwelveMonths: t.exposeBoolean('withinTwelveMonths', { description: 'Received in the 12 months before this contact: counted by the rules\' family-history fact.' }),
    recommendation: t.field({ type: HistoryRecommendation, nullable: true, resolve: (c) => c.recommendation }),
    decision: t.field({ type: HistoryDecision, nullable: true, description: 'Null until a named person has screened it.', resolve: (c) => c.decision }),
    outcome: t.field({ type: PathwayEnum, nullable: true, description: 'The pathway it ended in (closed, or referred to social care); null while it is open.', resolve: (c) => c.outcome as (typeof PATHWAYS)[number] | null }),
  }),
});

const HistoryEpisodeRef = builder.objectRef<HistoryEpisode>('HistoryEpisode').implement({
  description: 'A referral to children\'s social care for one of the same children: the episode it opened, open or closed.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The episode\'s case id.' }),
    reference: t.exposeString('reference'),
    stage: t.exposeString('stage', { description: 'The episode\'s stage now (as on `Episode.stage`; CLOSED once closed).' }),
    pathway: t.field({ type: PathwayEnum, description: 'The pathway it was referred on.', resolve: (e) => e.pathway as (typeof PATHWAYS)[number] }),
    level: t.exposeString('level', { description: 'Service level now: NONE, EARLY_HELP, CIN or CP.' }),
    referralAt: t.expose('referralAt', { type: 'DateTime' }),
    referralDate: t.expose('referralDate', { type: 'Date' }),
    reReferral: t.exposeBoolean('reReferral', { description: 'That referral was itself within 12 months of an earlier one.' }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    closureReason: t.exposeString('closureReason', { nullable: true, description: 'CIN reason for closure, RC1–RC9.' }),
  }),
});

const HistoryPlanRef = builder.objectRef<HistoryPlan>('HistoryPlan').implement({
  description: 'A child protection or child in need plan for one of the same children, open (no end date) or past.',
  fields: (t) => ({
    id: t.exposeID('id'),
    episodeId: t.exposeID('episodeId'),
    episodeReference: t.exposeString('episodeReference'),
    kind: t.exposeString('kind', { description: 'CP (child protection) or CIN (child in need).' }),
    startDate: t.expose('startDate', { type: 'Date' }),
    endDate: t.expose('endDate', { type: 'Date', nullable: true, description: 'Null while the plan is open.' }),
    endReason: t.exposeString('endReason', { nullable: true }),
    categoryOfAbuse: t.exposeString('categoryOfAbuse', { nullable: true, description: 'For a CP plan.' }),
  }),
});

const FamilyHistoryRef = builder.objectRef<Shown>('FamilyHistory').implement({
  description:
    'What the record held about the same child(ren) when the contact was received (same borough; a child is the same when names — ignoring case, ' +
    'spacing and Unicode form — and date of birth, or expected date, match: the identity the child\'s episode is keyed by). Records that began before ' +
    'the receipt are listed, with their stage, outcome and end dates as recorded now.',
  fields: (t) => ({
    previousContactsWithin12Months: t.int({
      nullable: true,
      description: 'The count the threshold rules used: earlier contacts about any of the same children received in the 12 months before this one ' +
        '(each contact once), as recorded with the recommendation. Null until the rules have run.',
      resolve: (s) => s.history.previousContactsWithin12Months,
    }),
    asOf: t.field({ type: 'DateTime', description: 'When the contact was received: the history is as of then.', resolve: (s) => s.history.asOf }),
    windowStart: t.field({ type: 'DateTime', description: 'The start of the 12 months counted: the same London time 12 calendar months before `asOf`.', resolve: (s) => s.history.windowStart }),
    earlierContacts: t.field({ type: [EarlierContactRef], description: 'Every earlier contact about the same children, newest first, with its recommendation, decision and outcome.', resolve: (s) => s.history.earlierContacts }),
    episodes: t.field({
      type: [HistoryEpisodeRef],
      nullable: true,
      description: 'Referrals (episodes) for the same children before `asOf`, newest first. Null for callers who may not read episodes (the MASH).',
      resolve: (s) => (s.episodesVisible ? s.history.episodes : null),
    }),
    plans: t.field({
      type: [HistoryPlanRef],
      nullable: true,
      description: 'CP and CIN plans for the same children begun before `asOf`, newest first. Null for callers who may not read episodes (the MASH).',
      resolve: (s) => (s.episodesVisible ? s.history.plans : null),
    }),
    reReferral: t.boolean({
      description: 'For a contact: a child was referred within 12 months before its receipt, so a referral now would be a re-referral. For an episode: the episode is a re-referral.',
      resolve: (s) => s.history.reReferral,
    }),
  }),
});

// ---- fields on the contact and the case (their resolvers have already checked borough and role) ----
builder.objectField(Contact, 'familyHistory', (t) =>
  t.field({
    type: FamilyHistoryRef,
    nullable: true,
    description: 'The family history the decider should see, as of the contact\'s receipt (see FamilyHistory). Null only while the contact is being recorded.',
    resolve: (c: ContactRecord, _args, context) => historyFor(context, c.borough, { contactId: c.id, childId: null, episodeReReferral: null }),
  }),
);

builder.objectField(Case, 'familyHistory', (t) =>
  t.field({
    type: FamilyHistoryRef,
    nullable: true,
    description: 'The family history as of the receipt of the contact that opened the case: all its children for a contact, the episode\'s child for an episode.',
    resolve: (c: CaseRecord, _args, context) =>
      historyFor(context, c.borough, c.kind === 'EPISODE' ? { contactId: c.contactId, childId: c.childId, episodeReReferral: c.reReferral } : { contactId: c.contactId, childId: null, episodeReReferral: null }),
  }),
);
