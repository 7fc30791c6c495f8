import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { findContact, type ContactRecord, type StoredRecommendation } from '../../db/contacts';
import { childIdFor, contactIdFor, contactReference } from '../../db/ids';
import type { CharacteristicsInput } from '../../rules/cin-codes';
import { contentHash } from '../../rules/content-hash';
import type { CONCERN_INDICATORS, CONSENT_STATES, CONTACT_CHANNELS, PATHWAYS, RAG_RATINGS } from '../../rules/vocabulary';
import { contactWorkflow, contactWorkflowId, type ReceivedContact } from '../../workflows/contact';
import { rolesFor } from '../access';
import { builder } from '../builder';
import { fromStore, requireBoroughRole, type ApiContext } from '../context';
import { apiError, inputError, type InputProblem } from '../errors';
import { CHARACTERISTIC_INPUT_DESCRIPTIONS, Child, characteristicInputProblems, DisabilityEnum, EthnicityEnum, SexEnum, UpnUnknownReasonEnum } from './child';
import { ConcernIndicatorEnum, ConsentStateEnum, ConsentStatusEnum, ContactChannelEnum, ContactStatusEnum, PathwayEnum, RagEnum, ReferrerTypeEnum } from './enums';


// ---- input ----
const ReferrerInput = builder.inputType('ReferrerInput', {
  fields: (t) => ({
    type: t.field({ type: ReferrerTypeEnum, required: true }),
    name: t.string({ description: 'Omit for anonymous referrers. Not blank; at most 200 characters.' }),
    organisation: t.string({ description: 'Not blank; at most 200 characters.' }),
    contactDetails: t.string({ description: 'How to reach the referrer for feedback (phone or email). Not blank; at most 200 characters.' }),
  }),
});

const ChildInput = builder.inputType('ChildInput', {
  description: 'A child the contact is about: give dateOfBirth, or expectedDateOfBirth for an unborn child.',
  fields: (t) => ({
    firstName: t.string({ required: true, description: 'Not blank; at most 100 characters.' }),
    lastName: t.string({ required: true, description: 'Not blank; at most 100 characters.' }),
    dateOfBirth: t.field({ type: 'Date' }),
    expectedDateOfBirth: t.field({ type: 'Date' }),
    // Census characteristics (issue 10): each optional; recorded on the child only where nothing is recorded yet.
    sex: t.field({ type: SexEnum, description: CHARACTERISTIC_INPUT_DESCRIPTIONS.sex }),
    ethnicity: t.field({ type: EthnicityEnum, description: CHARACTERISTIC_INPUT_DESCRIPTIONS.ethnicity }),
    disabilities: t.field({ type: [DisabilityEnum], description: CHARACTERISTIC_INPUT_DESCRIPTIONS.disabilities }),
    upn: t.string({ description: CHARACTERISTIC_INPUT_DESCRIPTIONS.upn }),
    upnUnknown: t.field({ type: UpnUnknownReasonEnum, description: CHARACTERISTIC_INPUT_DESCRIPTIONS.upnUnknown }),
  }),
});

const ReceiveContactInput = builder.inputType('ReceiveContactInput', {
  fields: (t) => ({
    borough: t.string({ required: true, description: 'The borough where the child lives (it owns the case), e.g. "hf".' }),
    idempotencyKey: t.string({ description: 'Your key for this contact: sending it again returns the same contact, never a second one.' }),
    receivedAt: t.field({ type: 'DateTime', description: 'When the contact reached the front door; defaults to now.' }),
    channel: t.field({ type: ContactChannelEnum, required: true }),
    referrer: t.field({ type: ReferrerInput, required: true }),
    children: t.field({ type: [ChildInput], required: true }),
    indicators: t.field({ type: [ConcernIndicatorEnum], required: true }),
    summary: t.string({ required: true, description: 'The concern in the referrer\'s words (not blank; at most 10000 characters).' }),
    consent: t.field({ type: ConsentStatusEnum, required: true }),
  }),
});

const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;
const text = (max: number) => z.string().trim().min(1, 'must not be blank').max(max, `must be at most ${max} characters`);

/** Rules beyond what GraphQL types say; every problem is reported at once with its input path. */
function validateContact(input: typeof ReceiveContactInput.$inferInput, context: ApiContext, now: Date): { problems: InputProblem[]; receivedAt: Date } {
  const problems: InputProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field: `input.${field}`, message });
  const check = (field: string, schema: z.ZodType, value: unknown) => {
    const result = schema.safeParse(value);
    if (!result.success) add(field, result.error.issues[0]?.message ?? 'is not valid');
  };

  const { boroughs } = context.services;
  if (!boroughs.has(input.borough)) add('borough', `unknown borough "${input.borough}"; yours: ${context.caller!.boroughs.filter((code) => boroughs.has(code)).join(', ')}`);
  if (input.idempotencyKey != null && !KEY_PATTERN.test(input.idempotencyKey)) add('idempotencyKey', 'must be 1-200 characters of letters, digits and . _ : -');

  const receivedAt = input.receivedAt ?? now;
  if (receivedAt.getTime() > now.getTime() + 5 * 60_000) add('receivedAt', 'must not be in the future');
  if (receivedAt.getTime() < now.getTime() - 366 * 86_400_000) add('receivedAt', 'must be within the last year (older records are a data migration, not a contact)');

  const referrer = input.referrer;
  for (const field of ['name', 'organisation', 'contactDetails'] as const) {
    if (referrer[field] != null) check(`referrer.${field}`, text(200), referrer[field]);
  }
  if (referrer.type === 'ANONYMOUS' && (referrer.name != null || referrer.contactDetails != null)) {
    add('referrer', 'an ANONYMOUS referrer has no name or contact details; choose another referrer type or leave them out');
  }

  if (input.children.length === 0) add('children', 'needs at least one child');
  if (input.children.length > 20) add('children', 'at most 20 children per contact');
  const receivedDay = DateTime.fromJSDate(receivedAt, { zone: 'Europe/London' }).startOf('day');
  input.children.forEach((child, i) => {
    const at = `children[${i}]`;
    check(`${at}.firstName`, text(100), child.firstName);
    check(`${at}.lastName`, text(100), child.lastName);
    const dob = child.dateOfBirth ?? null;
    const expected = child.expectedDateOfBirth ?? null;
    if ((dob === null) === (expected === null)) {
      add(at, 'give exactly one of dateOfBirth (a born child) or expectedDateOfBirth (an unborn child)');
    } else if (dob !== null) {
      const born = DateTime.fromISO(dob, { zone: 'Europe/London' });
      if (born > receivedDay) add(`${at}.dateOfBirth`, 'is after the contact was received; for an unborn child use expectedDateOfBirth');
      else if (born.plus({ years: 18 }) <= receivedDay) add(`${at}.dateOfBirth`, 'makes the child 18 or over when the contact was received; contacts are about children under 18');
    } else if (expected !== null) {
      const due = DateTime.fromISO(expected, { zone: 'Europe/London' });
      if (due < receivedDay.minus({ weeks: 4 })) add(`${at}.expectedDateOfBirth`, 'is more than 4 weeks before the contact; if the child is born, give dateOfBirth');
      if (due > receivedDay.plus({ months: 10 })) add(`${at}.expectedDateOfBirth`, 'is more than 10 months after the contact');
    }
    problems.push(...characteristicInputProblems(child, `input.${at}`));
  });
  // Each child is identified by names and date of birth (db/ids.ts childIdFor); two alike would be
  // one child, and the second would silently get no episode of their own.
  const seen = new Map<string, number>();
  input.children.forEach((child, i) => {
    const identity = childIdFor(input.borough, { firstName: child.firstName, lastName: child.lastName, dateOfBirth: child.dateOfBirth ?? null, expectedDateOfBirth: child.expectedDateOfBirth ?? null });
    const first = seen.get(identity);
    if (first === undefined) seen.set(identity, i);
    else add(`children[${i}]`, `has the same names and date of birth as children[${first}]; give each child their own names (for unborn twins, e.g. "Twin 1" and "Twin 2")`);
  });

  if (new Set(input.indicators).size !== input.indicators.length) add('indicators', 'lists an indicator more than once');
  check('summary', text(10_000), input.summary);
  return { problems, receivedAt };
}

// ---- output ----
const ReceiveContactPayload = builder.objectRef<{ contactId: string; reference: string; alreadyReceived: boolean }>('ReceiveContactPayload').implement({
  description: 'The contact is durably accepted: it will be stored and screened even if some services are briefly down.',
  fields: (t) => ({
    contactId: t.exposeID('contactId'),
    reference: t.exposeString('reference', { description: 'Human-readable reference, e.g. HF-261126-7K3Q-9XZP.' }),
    alreadyReceived: t.exposeBoolean('alreadyReceived', { description: 'True when this idempotency key had already recorded this contact.' }),
  }),
});

export const Referrer = builder.objectRef<ContactRecord>('Referrer').implement({
  fields: (t) => ({
    type: t.field({ type: ReferrerTypeEnum, resolve: (c) => c.referrerType }),
    referralSourceCode: t.exposeString('referralSourceCode', { description: 'DfE CIN census ReferralSource code.' }),
    name: t.exposeString('referrerName', { nullable: true }),
    organisation: t.exposeString('referrerOrganisation', { nullable: true }),
    contactDetails: t.exposeString('referrerContactDetails', { nullable: true }),
  }),
});

type RuleTraceShape = StoredRecommendation['explanation']['rules'][number];
type ConditionTraceShape = RuleTraceShape['conditions'][number];

const ConditionTrace = builder.objectRef<ConditionTraceShape>('ConditionTrace').implement({
  description: 'One condition of a rule: what it tested, the value it saw, and whether it held (null: not evaluated).',
  fields: (t) => ({
    fact: t.exposeString('fact'),
    operator: t.exposeString('operator'),
    value: t.field({ type: 'JSON', nullable: true, resolve: (c) => c.value }),
    factValue: t.field({ type: 'JSON', nullable: true, resolve: (c) => c.factValue }),
    result: t.boolean({ nullable: true, resolve: (c) => c.result }),
  }),
});

const RuleTrace = builder.objectRef<RuleTraceShape>('RuleTrace').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    name: t.exposeString('name'),
    priority: t.exposeInt('priority'),
    fired: t.exposeBoolean('fired'),
    conditions: t.field({ type: [ConditionTrace], resolve: (r) => r.conditions }),
  }),
});

const Recommendation = builder.objectRef<StoredRecommendation>('Recommendation').implement({
  description: 'What the borough\'s threshold rules recommend. A named person decides; this never decides on its own.',
  fields: (t) => ({
    levelOfNeed: t.exposeInt('levelOfNeed', { description: 'London continuum of need: 1 universal ... 4 acute.' }),
    pathway: t.field({ type: PathwayEnum, resolve: (r) => r.pathway as (typeof PATHWAYS)[number] }),
    rag: t.field({ type: RagEnum, resolve: (r) => r.rag as (typeof RAG_RATINGS)[number] }),
    decidingRuleId: t.exposeString('decidingRuleId', { description: 'The rule whose outcome was chosen, or "default".' }),
    summary: t.exposeString('summary', { description: 'Plain-English reason, naming the rule and ruleset version.' }),
    rules: t.field({ type: [RuleTrace], description: 'Every rule considered, in priority order, with its conditions.', resolve: (r) => r.explanation.rules }),
    facts: t.field({ type: 'JSON', description: 'The facts the rules saw.', resolve: (r) => r.explanation.facts }),
    rulesetVersion: t.exposeInt('rulesetVersion'),
    rulesetHash: t.exposeString('rulesetHash', { description: 'sha256 of the ruleset content.' }),
    evaluatedAt: t.expose('evaluatedAt', { type: 'DateTime' }),
  }),
});

const ScreeningClockRuleEnum = builder.enumType('ScreeningClockRule', {
  description: 'The rule a screening deadline was computed under. In office hours both give the same deadline.',
  values: {
    HANDOVER_DAY_IS_DAY_1: { description: 'The current rule: received out of hours, the contact is due by the close of the day it is handed over to the day team (for N working days, the handover day is day 1); in office hours, N working days from receipt by the borough\'s counting.' },
    DAY_AFTER_HANDOVER_IS_DAY_1: { description: 'Superseded (issue 9): an out-of-hours contact scheduled before the fix, whose deadline counted the day after the handover day as day 1, a working day later than the current rule. Kept as it was computed, and its escalations follow it; treat it as due a working day earlier.' },
  } as const,
});

const ScreeningClock = builder.objectRef<ContactRecord>('ScreeningClock').implement({
  description: 'The screening deadline from the borough calendar (working days, office hours, bank holidays).',
  fields: (t) => ({
    outOfHours: t.boolean({ description: 'Received outside office hours (evening, before opening, weekend or bank holiday): handed over to the day team at the next office opening, and due by the close of that handover day.', resolve: (c) => c.outOfHours ?? false }),
    clockStartsAt: t.field({ type: 'DateTime', description: 'When the day team has the contact: receipt in office hours, else the next office opening (the handover).', resolve: (c) => c.screeningClockStartsAt! }),
    computedUnder: t.field({ type: ScreeningClockRuleEnum, description: 'The rule this deadline was computed under.', resolve: (c) => c.screeningClockRule }),
    dueDate: t.field({ type: 'Date', description: 'The working day by which a decision is due (Europe/London).', resolve: (c) => c.screeningDueDate! }),
    dueAt: t.field({ type: 'DateTime', description: 'The close of office hours on dueDate.', resolve: (c) => c.screeningDueAt! }),
  }),
});

export const Contact = builder.objectRef<ContactRecord>('Contact').implement({
  description: 'A concern about one or more children, received at a borough\'s front door.',
  fields: (t) => ({
    id: t.exposeID('id'),
    borough: t.exposeString('borough'),
    reference: t.exposeString('reference'),
    status: t.field({ type: ContactStatusEnum, resolve: (c) => c.status }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
    receivedBy: t.exposeString('receivedBy'),
    channel: t.field({ type: ContactChannelEnum, resolve: (c) => c.channel as (typeof CONTACT_CHANNELS)[number] }),
    referrer: t.field({ type: Referrer, resolve: (c) => c }),
    children: t.field({ type: [Child], resolve: (c) => c.children }),
    indicators: t.field({ type: [ConcernIndicatorEnum], resolve: (c) => c.indicators as (typeof CONCERN_INDICATORS)[number][] }),
    summary: t.exposeString('summary'),
    // Every stored state (SOUGHT and DISPENSED_WITH too), not just those a receipt may give.
    consent: t.field({ type: ConsentStateEnum, resolve: (c) => c.consent as (typeof CONSENT_STATES)[number] }),
    rulesetVersion: t.exposeInt('rulesetVersion', { nullable: true, description: 'The ruleset version that recommended (the one in force when the contact arrived); null until the rules have run.' }),
    recommendation: t.field({ type: Recommendation, nullable: true, description: 'Null until the rules have run (moments after receipt).', resolve: (c) => c.recommendation }),
    screening: t.field({ type: ScreeningClock, nullable: true, description: 'Null until the deadline is set.', resolve: (c) => (c.screeningDueAt ? c : null) }),
  }),
});

// ---- operations ----
builder.queryField('contact', (t) =>
  t.field({
    type: Contact,
    description: 'One contact from the front door\'s records, if it is in one of your boroughs.',
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const caller = context.caller!;
      const contactId = String(id);
      const found = z.uuid().safeParse(contactId).success ? await fromStore(() => findContact(context.services.sql, caller.boroughs, contactId)) : null;
      if (!found) {
        throw apiError('NOT_FOUND', `No contact ${contactId} in your boroughs (${caller.boroughs.join(', ')}). A contact received moments ago may still be being recorded: try again shortly.`);
      }
      requireBoroughRole(context, found.borough, rolesFor('Query.contact'));
      return found;
    },
  }),
);

builder.mutationField('receiveContact', (t) =>
  t.field({
    type: ReceiveContactPayload,
    description: 'Receives a contact and starts its front-door case. Answers once the contact is durably accepted.',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: ReceiveContactInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const { services } = context;
      // Authorise before looking at the input, so nobody learns anything about a borough that is not theirs.
      const borough = services.boroughs.get(input.borough);
      const roles = rolesFor('Mutation.receiveContact');
      if (!borough && !context.caller!.roles.some((role) => roles.includes(role))) {
        throw apiError('FORBIDDEN', `Receiving a contact needs one of the roles ${roles.join(', ')} (you have: ${context.caller!.roles.join(', ')}).`);
      }
      const caller = borough ? requireBoroughRole(context, borough.code, roles) : context.caller!;
      const { problems, receivedAt } = validateContact(input, context, services.now());
      if (!borough || problems.length > 0) throw inputError(problems);

      const idempotencyKey = input.idempotencyKey ?? null;
      const contactId = contactIdFor(borough.code, idempotencyKey);
      const reference = contactReference(borough.code, contactId, receivedAt);
      const fingerprint = contentHash({ ...input, receivedAt: input.receivedAt?.toISOString() ?? null, receivedBy: caller.userId });
      const contact: ReceivedContact = {
        contactId,
        reference,
        borough: borough.code,
        idempotencyKey,
        receivedAt: receivedAt.toISOString(),
        receivedBy: caller.userId,
        channel: input.channel,
        referrer: {
          type: input.referrer.type,
          name: input.referrer.name?.trim() ?? null,
          organisation: input.referrer.organisation?.trim() ?? null,
          contactDetails: input.referrer.contactDetails?.trim() ?? null,
        },
        children: input.children.map((child) => ({
          firstName: child.firstName.trim(),
          lastName: child.lastName.trim(),
          dateOfBirth: child.dateOfBirth ?? null,
          expectedDateOfBirth: child.expectedDateOfBirth ?? null,
          ...characteristicsOf(child),
        })),
        indicators: input.indicators,
        summary: input.summary.trim(),
        consent: input.consent,
        rulesetVersion: null,
      };

      try {
        await services.temporal.workflow.start(contactWorkflow, {
          taskQueue: services.taskQueue,
          workflowId: contactWorkflowId(contactId),
          args: [{ contact }],
          // The borough lets steps be authorised from Temporal while PostgreSQL is down; no personal data here.
          memo: { reference, fingerprint, borough: borough.code },
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
        return { contactId, reference, alreadyReceived: false };
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError && idempotencyKey !== null) {
          return sameContactOrRefuse(context, contactId, fingerprint);
        }
        throw unavailable(error);
      }
    },
  }),
);

/** The census characteristics a child input gives, if any (only the fields given, so the workflow input stays as small). */
function characteristicsOf(child: typeof ChildInput.$inferInput): { characteristics?: CharacteristicsInput } {
  const given = Object.fromEntries((['sex', 'ethnicity', 'disabilities', 'upn', 'upnUnknown'] as const).filter((field) => child[field] != null).map((field) => [field, child[field]]));
  return Object.keys(given).length > 0 ? { characteristics: given } : {};
}

/** A repeated idempotency key: the same contact again is answered with the first one; a different one is refused. */
async function sameContactOrRefuse(context: ApiContext, contactId: string, fingerprint: string) {
  const description = await context.services.temporal.workflow.getHandle(contactWorkflowId(contactId)).describe().catch((error: unknown) => {
    throw unavailable(error);
  });
  const memo = description.memo ?? {};
  if (memo.fingerprint !== fingerprint) {
    throw apiError('IDEMPOTENCY_KEY_REUSED', 'This idempotency key already recorded a different contact. Send a new key for a new contact, or resend exactly the same input to get the first one back.');
  }
  return { contactId, reference: String(memo.reference), alreadyReceived: true };
}

function unavailable(error: unknown) {
  return apiError('SERVICE_UNAVAILABLE', 'Front Door could not reach its workflow service, so the contact was NOT recorded. Try again shortly.', {
    cause: error instanceof Error ? error.name : 'unknown',
  });
}

