import DataLoader from 'dataloader';
import { z } from 'zod';
import { auditTrail, type AuditRecord } from '../../db/audit';
import type { CaseNotice } from '../../db/casework';
import { allocate, caseloadOf, countCases, episodesOfContacts, escalationsFor, eventsFor, familyWorkers, findCase, listCases, queue, tasksFor, type CaseRecord, type EscalationRecord, type TaskRecord, type TimelineEvent } from '../../db/cases';
import type { Role } from '../auth';
import { readableKinds, rolesFor } from '../access';
import { builder } from '../builder';
import { caseForCaller, fromStore, requireBoroughRole, requireKind, type ApiContext } from '../context';
import { apiError, inputError } from '../errors';
import { Child, byBoroughLoader, childOfEpisode, childrenOfContact } from './child';
import { Contact, Referrer } from './contact';
import { FEEDBACK_DECISIONS, referrerFeedbackFor, type ReferrerFeedbackRecord } from '../../db/referrer-feedback';
import type { ContactRecord } from '../../db/contacts';
import { noFeedbackReason } from '../../rules/feedback';
import { CaseKindEnum, CaseStageEnum, RagEnum } from './enums';

// ---- per-request batched loaders: a page of cases costs one query per field, not one per case ----
type PerCase<T> = DataLoader<string, T[]>;
const loaders = new WeakMap<ApiContext, { events: PerCase<TimelineEvent>; tasks: PerCase<TaskRecord>; escalations: PerCase<EscalationRecord> }>();

function loadersFor(context: ApiContext) {
  let found = loaders.get(context);
  if (!found) {
    const { sql } = context.services;
    const perCase = <T extends { caseId: string }>(load: (borough: string, ids: readonly string[]) => Promise<T[]>): PerCase<T> =>
      new DataLoader<string, T[]>(async (keys) => {
        // Keys are `borough|caseId`: each borough's cases in one query, every query naming its borough.
        const byBorough = new Map<string, string[]>();
        for (const key of keys) {
          const [borough, id] = key.split('|') as [string, string];
          byBorough.set(borough, [...(byBorough.get(borough) ?? []), id]);
        }
        const byCase = new Map<string, T[]>();
        for (const row of (await Promise.all([...byBorough].map(([borough, ids]) => fromStore(() => load(borough, ids))))).flat()) {
          const list = byCase.get(row.caseId);
          if (list) list.push(row);
          else byCase.set(row.caseId, [row]);
        }
        return keys.map((key) => byCase.get(key.split('|')[1]!) ?? []);
      });
    found = {
      events: perCase((borough, ids) => eventsFor(sql, borough, ids)),
      tasks: perCase((borough, ids) => tasksFor(sql, borough, ids)),
      escalations: perCase((borough, ids) => escalationsFor(sql, borough, ids)),
    };
    loaders.set(context, found);
  }
  return found;
}

// ---- types ----
const CaseEvent = builder.objectRef<TimelineEvent>('CaseEvent').implement({
  description: 'One thing that happened on a case: what, when, who, and the detail (including why).',
  fields: (t) => ({
    id: t.exposeID('id'),
    caseId: t.exposeID('caseId'),
    kind: t.exposeString('kind'),
    at: t.expose('at', { type: 'DateTime' }),
    actor: t.exposeString('actor', { description: 'The user who did it, or "front-door" / "threshold-rules" for the engine.' }),
    detail: t.field({ type: 'JSON', resolve: (e) => e.detail }),
  }),
});

const Task = builder.objectRef<TaskRecord>('Task').implement({
  description: 'Something that must happen on a case, by when (every computed deadline is a task).',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.exposeString('kind'),
    title: t.exposeString('title'),
    dueAt: t.expose('dueAt', { type: 'DateTime', nullable: true }),
    dueDate: t.expose('dueDate', { type: 'Date', nullable: true }),
    status: t.exposeString('status'),
    overdue: t.boolean({ resolve: (task, _args, context) => task.status === 'OPEN' && task.dueAt !== null && task.dueAt < context.services.now() }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
  }),
});

const Escalation = builder.objectRef<EscalationRecord & { borough?: string }>('Escalation').implement({
  description: 'A rung of a borough\'s escalation ladder that fired for a late step (or an out-of-hours escalation).',
  fields: (t) => ({
    id: t.exposeID('id'),
    caseId: t.exposeID('caseId'),
    stage: t.exposeString('stage'),
    subject: t.exposeString('subject', { description: 'What within the stage was late (e.g. an agency), or empty.' }),
    rung: t.exposeInt('rung', { description: '0 at the deadline, then 1, 2, … up the ladder.' }),
    notify: t.exposeString('notify', { description: 'The role told (e.g. TEAM_MANAGER, HEAD_OF_SERVICE).' }),
    dueAt: t.expose('dueAt', { type: 'DateTime' }),
    escalatedAt: t.expose('escalatedAt', { type: 'DateTime' }),
    reason: t.exposeString('reason'),
    raisedBy: t.exposeString('raisedBy'),
  }),
});

export const Case = builder.objectRef<CaseRecord>('Case').implement({
  description: 'A contact at the front door (kind CONTACT), or a child\'s episode after referral (kind EPISODE).',
  fields: (t) => ({
    id: t.exposeID('id'),
    borough: t.exposeString('borough'),
    kind: t.field({ type: CaseKindEnum, resolve: (c) => c.kind }),
    reference: t.exposeString('reference', { description: 'A contact\'s reference; for an episode, the opening contact\'s reference and the child\'s number on it (…/1, …/2: see child.number).' }),
    stage: t.field({ type: CaseStageEnum, resolve: (c) => c.stage }),
    child: t.field({
      type: Child, nullable: true,
      description: 'For an episode: the child it is about (names, date of birth, and which child of the contact). Null for a contact, which may name several: see children.',
      resolve: (c, _args, context) => (c.kind === 'EPISODE' ? childOfEpisode(context, c) : null),
    }),
    children: t.field({
      type: [Child],
      description: 'For a contact: every child it names, in order. For an episode: its one child.',
      resolve: async (c, _args, context) => {
        if (c.kind === 'EPISODE') {
          const child = await childOfEpisode(context, c);
          return child ? [child] : [];
        }
        return childrenOfContact(context, c.borough, c.contactId);
      },
    }),
    rag: t.field({ type: RagEnum, nullable: true, resolve: (c) => c.rag as 'RED' | 'AMBER' | 'GREEN' | null }),
    outOfHours: t.exposeBoolean('outOfHours', { description: 'With the out-of-hours team until handed over.' }),
    urgent: t.exposeBoolean('urgent', { description: 'Escalated as urgent: first in every queue.' }),
    team: t.exposeString('team', { nullable: true }),
    worker: t.exposeString('worker', { nullable: true }),
    nextDueAt: t.expose('nextDueAt', { type: 'DateTime', nullable: true, description: 'The soonest open deadline.' }),
    overdue: t.boolean({ resolve: (c, _args, context) => c.closedAt === null && c.nextDueAt !== null && c.nextDueAt < context.services.now() }),
    openedAt: t.expose('openedAt', { type: 'DateTime' }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    closureReason: t.exposeString('closureReason', { nullable: true }),
    contactId: t.exposeID('contactId'),
    reReferral: t.exposeBoolean('reReferral', { description: 'An episode opened by a referral within 12 months of the child\'s previous referral (always false for a contact).' }),
    timeline: t.field({ type: [CaseEvent], description: 'Every event, oldest first.', resolve: (c, _args, context) => loadersFor(context).events.load(`${c.borough}|${c.id}`) }),
    openTasks: t.field({ type: [Task], description: 'What must happen next, soonest first.', resolve: async (c, _args, context) => (await loadersFor(context).tasks.load(`${c.borough}|${c.id}`)).filter((task) => task.status === 'OPEN') }),
    tasks: t.field({ type: [Task], description: 'Every task, done or not, with its due date.', resolve: (c, _args, context) => loadersFor(context).tasks.load(`${c.borough}|${c.id}`) }),
    escalations: t.field({ type: [Escalation], resolve: (c, _args, context) => loadersFor(context).escalations.load(`${c.borough}|${c.id}`) }),
  }),
});

const episodeLoaders = new WeakMap<ApiContext, DataLoader<string, (CaseRecord & { viaContactId: string })[]>>();

builder.objectField(Contact, 'episodes', (t) => t.field({
  type: [Case],
  description: 'The children\'s episodes this contact\'s referral opened or joined, in the order the contact named the children (empty until it is referred, and for a caller who may not read episodes, e.g. the MASH).',
  resolve: async (contact, _args, context) => {
    if (!readableKinds(context.caller!.roles).includes('EPISODE')) return [];
    let loader = episodeLoaders.get(context);
    if (!loader) {
      loader = byBoroughLoader((borough, ids) => episodesOfContacts(context.services.sql, borough, ids), (row) => row.viaContactId);
      episodeLoaders.set(context, loader);
    }
    return loader.load(`${contact.borough}|${contact.id}`);
  },
}));

// ---- referrer feedback ----
const FeedbackDecisionEnum = builder.enumType('ReferrerFeedbackDecision', { values: FEEDBACK_DECISIONS, description: 'The decision the feedback reports: the screening decision, or the MASH decision after an enquiry.' });
const FeedbackAudienceEnum = builder.enumType('ReferrerFeedbackAudience', {
  values: ['PROFESSIONAL', 'MEMBER_OF_PUBLIC'] as const,
  description: 'PROFESSIONAL: told the outcome (with the reasons when nothing follows). MEMBER_OF_PUBLIC: told only that the concern was considered and acted on (no details about a family).',
});
const FeedbackStatusEnum = builder.enumType('ReferrerFeedbackStatus', {
  values: ['TO_SEND', 'SENT', 'NOT_OWED'] as const,
  description: 'TO_SEND: prepared, with an open SEND_REFERRER_FEEDBACK task; SENT: that task is done; NOT_OWED: nothing to send (see reasonNone).',
});

type FeedbackShape = ReferrerFeedbackRecord & { contact: ContactRecord };
const ReferrerFeedback = builder.objectRef<FeedbackShape>('ReferrerFeedback').implement({
  description: 'What the referrer is told about one decision on their contact: what, to whom, when; or why nothing.',
  fields: (t) => ({
    decision: t.field({ type: FeedbackDecisionEnum, resolve: (f) => f.decision }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', description: 'When the decision it reports was taken.' }),
    decidedBy: t.exposeString('decidedBy', { description: 'Who took that decision.' }),
    status: t.field({ type: FeedbackStatusEnum, resolve: (f) => (!f.prepared ? 'NOT_OWED' : f.task?.status === 'DONE' ? 'SENT' : 'TO_SEND') }),
    audience: t.field({ type: FeedbackAudienceEnum, nullable: true, resolve: (f) => (f.prepared?.audience as 'PROFESSIONAL' | 'MEMBER_OF_PUBLIC' | undefined) ?? null }),
    text: t.string({ nullable: true, description: 'The words to send; null when none is owed.', resolve: (f) => f.prepared?.text ?? null }),
    to: t.field({ type: Referrer, description: 'Whom it goes to: the referrer as recorded (how to reach them in contactDetails).', resolve: (f) => f.contact }),
    preparedAt: t.field({ type: 'DateTime', nullable: true, resolve: (f) => f.prepared?.at ?? null }),
    sentAt: t.field({ type: 'DateTime', nullable: true, description: 'When its task was marked done.', resolve: (f) => (f.task?.status === 'DONE' ? f.task.completedAt : null) }),
    reasonNone: t.string({
      nullable: true, description: 'Why nothing is sent (e.g. an anonymous referrer); null when feedback is owed.',
      resolve: (f) => (f.prepared ? null : noFeedbackReason(f.contact.referrerType) ?? 'No feedback was prepared for this decision.'),
    }),
  }),
});

builder.objectField(Contact, 'referrerFeedback', (t) => t.field({
  type: [ReferrerFeedback],
  description: 'The feedback owed to the referrer for each decision taken so far (screening, then MASH): empty until the screening decision is recorded.',
  resolve: async (contact, _args, context) => (await fromStore(() => referrerFeedbackFor(context.services.sql, contact.borough, contact.id))).map((f) => ({ ...f, contact })),
}));

const PageInfo = builder.objectRef<{ hasNextPage: boolean; endCursor: string | null }>('PageInfo').implement({
  fields: (t) => ({ hasNextPage: t.exposeBoolean('hasNextPage'), endCursor: t.exposeString('endCursor', { nullable: true }) }),
});
const CaseEdge = builder.objectRef<{ cursor: string; node: CaseRecord }>('CaseEdge').implement({
  fields: (t) => ({ cursor: t.exposeString('cursor'), node: t.field({ type: Case, resolve: (e) => e.node }) }),
});
const CaseConnection = builder.objectRef<{ edges: { cursor: string; node: CaseRecord }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null }; totalCount: () => Promise<number> }>('CaseConnection').implement({
  description: 'A page of cases (Relay connection), newest first.',
  fields: (t) => ({
    edges: t.field({ type: [CaseEdge], resolve: (c) => c.edges }),
    pageInfo: t.field({ type: PageInfo, resolve: (c) => c.pageInfo }),
    totalCount: t.int({ description: 'Every case matching the filter. Counted only when asked for: it costs a read of each matching case\'s index entry.', resolve: (c) => c.totalCount() }),
  }),
});

const CaseFilter = builder.inputType('CaseFilter', {
  fields: (t) => ({
    borough: t.string({ description: 'One of your boroughs; default all of them.' }),
    contactId: t.id({ description: 'Only the cases this contact became: its own front-door case and the episodes its referral opened or joined (as you may read them). With it, open defaults to both open and closed cases.' }),
    stage: t.field({ type: CaseStageEnum }),
    worker: t.string(),
    team: t.string(),
    rag: t.field({ type: RagEnum }),
    overdue: t.boolean({ description: 'Only cases past (true) or within (false) their next deadline.' }),
    open: t.boolean({ description: 'Default true: open cases; false: closed ones.' }),
  }),
});

const cursorOf = (c: CaseRecord) => Buffer.from(`${c.openedAt.toISOString()}|${c.id}`).toString('base64url');
function parseCursor(cursor: string): { openedAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const openedAt = new Date(at ?? '');
  if (!id || !z.uuid().safeParse(id).success || Number.isNaN(openedAt.getTime())) throw apiError('BAD_USER_INPUT', 'after: not a cursor this API gave out; use pageInfo.endCursor.');
  return { openedAt, id };
}

function boroughsFor(context: ApiContext, borough: string | null | undefined, roles?: readonly Role[]): readonly string[] {
  const caller = context.caller!;
  if (borough) {
    requireBoroughRole(context, borough, roles ?? caller.roles);
    return [borough];
  }
  return !roles || caller.roles.some((role) => roles.includes(role)) ? caller.boroughs : [];
}

// ---- queries ----
builder.queryField('case', (t) =>
  t.field({
    type: Case,
    description: 'One case with its timeline, open tasks and deadlines, and escalations, if it is in one of your boroughs.',
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const caller = context.caller!;
      const found = z.uuid().safeParse(String(id)).success ? await fromStore(() => findCase(context.services.sql, caller.boroughs, String(id))) : null;
      if (!found) throw apiError('NOT_FOUND', `No case ${String(id)} in your boroughs (${caller.boroughs.join(', ')}).`);
      requireBoroughRole(context, found.borough, rolesFor('Query.case'));
      requireKind(context, found.kind);
      return found;
    },
  }),
);

builder.queryField('cases', (t) =>
  t.field({
    type: CaseConnection,
    description: 'Cases by borough, stage, worker, team, RAG and overdue, newest first, a page at a time.',
    authScopes: { authenticated: true },
    args: { filter: t.arg({ type: CaseFilter }), first: t.arg.int({ defaultValue: 50 }), after: t.arg.string() },
    resolve: async (_root, { filter, first, after }, context) => {
      if (first == null || first < 1 || first > 200) throw apiError('BAD_USER_INPUT', 'first: must be between 1 and 200.');
      const boroughs = boroughsFor(context, filter?.borough, rolesFor('Query.cases'));
      if (boroughs.length === 0) throw apiError('FORBIDDEN', `Reading cases needs one of the roles ${rolesFor('Query.cases').join(', ')}.`);
      const contactId = filter?.contactId == null ? null : String(filter.contactId);
      if (contactId !== null && !z.uuid().safeParse(contactId).success) {
        throw inputError([{ field: 'filter.contactId', message: `"${contactId}" is not a contact id; use the contactId receiveContact answered with.` }]);
      }
      const caseFilter = {
        boroughs, kinds: readableKinds(context.caller!.roles), contactId, stage: filter?.stage, worker: filter?.worker, team: filter?.team, rag: filter?.rag, overdue: filter?.overdue,
        // A contact's cases are few: both open and closed unless asked otherwise.
        open: contactId !== null && filter?.open == null ? ('ANY' as const) : filter?.open,
      };
      const now = context.services.now();
      const page = await fromStore(() => listCases(context.services.sql, caseFilter, { first, after: after ? parseCursor(after) : null }, now));
      const edges = page.rows.map((node) => ({ cursor: cursorOf(node), node }));
      return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null }, totalCount: () => fromStore(() => countCases(context.services.sql, caseFilter, now)) };
    },
  }),
);

builder.queryField('workQueue', (t) =>
  t.field({
    type: [Case],
    description: 'A borough\'s (or team\'s) open cases in the order to work them: urgent, then RAG, then soonest deadline.',
    authScopes: { authenticated: true },
    args: { borough: t.arg.string({ required: true }), team: t.arg.string(), limit: t.arg.int({ defaultValue: 100 }) },
    resolve: async (_root, { borough, team, limit }, context) => {
      requireBoroughRole(context, borough, rolesFor('Query.workQueue'));
      return fromStore(() => queue(context.services.sql, { boroughs: [borough], kinds: readableKinds(context.caller!.roles), team }, Math.min(Math.max(limit ?? 100, 1), 500), context.services.now()));
    },
  }),
);

builder.queryField('outOfHoursQueue', (t) =>
  t.field({
    type: [Case],
    description: 'Open cases with the out-of-hours team, across your boroughs, in the order to work them.',
    authScopes: { authenticated: true },
    args: { limit: t.arg.int({ defaultValue: 100 }) },
    resolve: async (_root, { limit }, context) => {
      const boroughs = boroughsFor(context, null, rolesFor('Query.outOfHoursQueue'));
      if (boroughs.length === 0) throw apiError('FORBIDDEN', 'The out-of-hours queue needs the out_of_hours or manager role.');
      return fromStore(() => queue(context.services.sql, { boroughs, kinds: readableKinds(context.caller!.roles), outOfHours: true }, Math.min(Math.max(limit ?? 100, 1), 500), context.services.now()));
    },
  }),
);

// ---- allocation ----
const Allocation = builder.objectRef<{ caseId: string; worker: string; caseload: number; limit: number; preferredExistingWorker: boolean }>('Allocation').implement({
  fields: (t) => ({
    caseId: t.exposeID('caseId'),
    worker: t.exposeString('worker'),
    caseload: t.exposeInt('caseload', { description: 'The worker\'s open cases after this allocation.' }),
    limit: t.exposeInt('limit', { description: 'The borough\'s caseload limit.' }),
    preferredExistingWorker: t.exposeBoolean('preferredExistingWorker', { description: 'The family\'s existing worker was chosen (locality model: fewest changes of worker).' }),
  }),
});

builder.mutationField('allocateWorker', (t) =>
  t.field({
    type: Allocation,
    description: 'Allocates a case to a worker within the borough\'s caseload limit. Without a worker, the family\'s existing worker is chosen when they have room.',
    authScopes: { authenticated: true },
    args: { caseId: t.arg.id({ required: true }), worker: t.arg.string(), team: t.arg.string(), reason: t.arg.string() },
    resolve: async (_root, args, context) => {
      const caller = context.caller!;
      const caseId = String(args.caseId);
      const found = await caseForCaller(context, caseId, rolesFor('Mutation.allocateWorker'));
      const settings = context.services.boroughs.get(found.borough)!.settings;
      if (args.team && !settings.teams.some((team) => team.id === args.team)) {
        throw apiError('BAD_USER_INPUT', `team: "${args.team}" is not a team of ${found.borough} (teams: ${settings.teams.map((team) => team.id).join(', ')}).`);
      }
      const { sql } = context.services;
      const family = await fromStore(() => familyWorkers(sql, found.borough, found));
      let worker = args.worker?.trim();
      if (!worker) {
        for (const candidate of family) {
          if ((await fromStore(() => caseloadOf(sql, found.borough, candidate))) < settings.caseloadLimit) {
            worker = candidate;
            break;
          }
        }
        if (!worker) {
          throw apiError('BAD_USER_INPUT', family.length === 0 ? 'worker: the family has no existing worker; name one.' : `worker: the family's workers (${family.join(', ')}) are at the caseload limit of ${settings.caseloadLimit}; name another worker.`);
        }
      }
      const result = await fromStore(() => allocate(sql, {
        borough: found.borough, caseId, contactId: found.contactId, worker: worker, team: args.team ?? null, limit: settings.caseloadLimit, by: caller.userId,
        at: context.services.now().toISOString(), reason: args.reason?.trim() || (family.includes(worker) ? 'the family\'s existing worker' : 'allocated'),
      }));
      if (!result.ok) {
        throw apiError('CASELOAD_LIMIT', `${worker} already holds ${result.caseload} open cases, the ${found.borough} limit of ${settings.caseloadLimit}; allocate to someone else or close or transfer a case first.`);
      }
      return { caseId, worker, caseload: result.caseload, limit: settings.caseloadLimit, preferredExistingWorker: family.includes(worker) };
    },
  }),
);

// ---- subscriptions ----
builder.subscriptionType({});

builder.subscriptionField('escalations', (t) =>
  t.field({
    type: Escalation,
    description: 'Escalations in a borough as they happen.',
    authScopes: { authenticated: true },
    args: { borough: t.arg.string({ required: true }) },
    subscribe: (_root, { borough }, context) => {
      requireBoroughRole(context, borough, rolesFor('Subscription.escalations'));
      const kinds: readonly string[] = readableKinds(context.caller!.roles);
      return context.services.events.subscribe((notice) => notice.type === 'ESCALATION' && notice.borough === borough && kinds.includes(notice.caseKind ?? 'CONTACT'));
    },
    resolve: async (notice: CaseNotice, _args, context) => {
      const escalations = await fromStore(() => escalationsFor(context.services.sql, notice.borough, [notice.caseId]));
      return escalations.find((e) => e.id === notice.id)!;
    },
  }),
);

builder.subscriptionField('caseEvents', (t) =>
  t.field({
    type: CaseEvent,
    description: 'A case\'s timeline events as they happen.',
    authScopes: { authenticated: true },
    args: { caseId: t.arg.id({ required: true }) },
    subscribe: async (_root, { caseId }, context) => {
      const found = await caseForCaller(context, String(caseId), rolesFor('Subscription.caseEvents'));
      return context.services.events.subscribe((notice) => notice.type === 'CASE_EVENT' && notice.caseId === found.id && notice.borough === found.borough);
    },
    resolve: async (notice: CaseNotice, _args, context) => {
      const events = await fromStore(() => eventsFor(context.services.sql, notice.borough, [notice.caseId]));
      return events.find((e) => e.id === notice.id)!;
    },
  }),
);


// ---- the audit trail ----
const AuditRecordType = builder.objectRef<AuditRecord>('AuditRecord').implement({
  description: 'One access to a case: who, with which roles, what, when, the outcome and the stated purpose.',
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime' }),
    userId: t.exposeString('userId'),
    roles: t.exposeStringList('roles'),
    operation: t.exposeString('operation', { description: 'e.g. Query.case, Mutation.recordScreeningDecision.' }),
    kind: t.exposeString('kind', { description: 'READ or WRITE.' }),
    outcome: t.exposeString('outcome', { description: 'OK, or the error code the caller got.' }),
    purpose: t.exposeString('purpose', { nullable: true, description: 'The X-Purpose header the caller sent.' }),
  }),
});

builder.queryField('auditTrail', (t) =>
  t.field({
    type: [AuditRecordType],
    description: 'Every read and write of a case, oldest first. For auditors of the case\'s borough.',
    authScopes: { authenticated: true },
    args: { caseId: t.arg.id({ required: true }) },
    resolve: async (_root, { caseId }, context) => {
      const found = await caseForCaller(context, String(caseId), rolesFor('Query.auditTrail'));
      return fromStore(() => auditTrail(context.services.sql, [found.borough], found.id));
    },
  }),
);
