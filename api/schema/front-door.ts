import { GraphQLError } from 'graphql';
import { LEVELS_OF_NEED } from '../../rules/vocabulary';
import {
  CONSENT_DISPENSING_REASONS,
  contactWorkflowId,
  escalateContact,
  recordAgencyResponse,
  recordConsent,
  recordMashDecision,
  recordScreeningDecision,
  requestAgencyInformation,
  type Actor,
  type ContactState,
} from '../../workflows/contact';
import { rolesFor } from '../access';
import type { Role } from '../auth';
import { builder } from '../builder';
import { caseForCaller, requireBoroughRole, type ApiContext } from '../context';
import { apiError, inputError } from '../errors';
import { answerContactStep } from '../read-your-step';
import { asArguments, runCaseUpdate, underInput } from '../updates';
import { AgencyEnum, ConsentStateEnum, ContactStatusEnum, PathwayEnum, RagEnum } from './enums';


const ConsentChangeEnum = builder.enumType('ConsentChange', { values: ['SOUGHT', 'GIVEN', 'REFUSED', 'DISPENSED_WITH'] as const });
const DispensingReasonEnum = builder.enumType('ConsentDispensingReason', { values: CONSENT_DISPENSING_REASONS, description: 'The lawful reasons to dispense with consent.' });

const ContactStep = builder.objectRef<ContactState & { contactId: string }>('ContactStep').implement({
  description: 'A front-door step the contact\'s workflow has accepted, with the state it produced; `contact` and `case` read straight after show no less (while PostgreSQL is down they are unavailable, and catch up when it is back).',
  fields: (t) => ({
    contactId: t.exposeID('contactId'),
    status: t.field({ type: ContactStatusEnum, description: 'Where the step left the contact: CLOSED or REFERRED once a decision sends it on.', resolve: (s) => s.status }),
    consent: t.field({ type: ConsentStateEnum, resolve: (s) => s.consent }),
    urgent: t.exposeBoolean('urgent'),
    outcome: t.field({ type: PathwayEnum, nullable: true, description: 'Set by the decision that sends the contact on from the front door.', resolve: (s) => s.outcome }),
    mashDueAt: t.field({ type: 'DateTime', nullable: true, description: 'The MASH enquiry\'s deadline, from the decision that starts one.', resolve: (s) => (s.mash?.dueAt ? new Date(s.mash.dueAt) : null) }),
  }),
});

/**
 * The contact's case, if in the caller's boroughs, with the caller authorised for one of `roles` there. While
 * PostgreSQL is down the contact's workflow (which holds its borough) answers instead, so steps are still taken and
 * the read model catches up when the database is back.
 */
async function authoriseContact(context: ApiContext, contactId: string, roles: readonly Role[]): Promise<{ actor: Actor; workflowId: string; borough: string }> {
  const caller = context.caller!;
  const notFound = () => apiError('NOT_FOUND', `No contact ${contactId} in your boroughs (${caller.boroughs.join(', ')}).`);
  let borough: string;
  try {
    const found = await caseForCaller(context, contactId, roles);
    if (found.kind !== 'CONTACT') throw notFound();
    borough = found.borough;
  } catch (error) {
    if (!(error instanceof GraphQLError && error.extensions.code === 'SERVICE_UNAVAILABLE')) throw error;
    const memo = (await context.services.temporal.workflow.getHandle(contactWorkflowId(contactId)).describe().catch(() => null))?.memo;
    if (typeof memo?.borough !== 'string' || !caller.boroughs.includes(memo.borough)) throw memo ? notFound() : error;
    requireBoroughRole(context, memo.borough, roles);
    borough = memo.borough;
  }
  return { actor: { userId: caller.userId, roles: caller.roles }, workflowId: contactWorkflowId(contactId), borough };
}

const ScreeningDecisionInput = builder.inputType('ScreeningDecisionInput', {
  fields: (t) => ({
    pathway: t.field({ type: PathwayEnum, required: true }),
    levelOfNeed: t.int({ required: true, description: 'London continuum of need, 1–4.' }),
    rag: t.field({ type: RagEnum, required: true }),
    rationale: t.string({ required: true, description: 'Why, in the decider\'s words (at least 10 characters).' }),
    overrideReason: t.string({ description: 'Required (not blank) when the decision differs from the recommendation.' }),
    primaryNeed: t.string({ description: 'DfE PrimaryNeedCode N0–N9; required for a referral.' }),
  }),
});

builder.mutationField('recordScreeningDecision', (t) =>
  t.field({
    type: ContactStep,
    description: 'A named person\'s screening decision: accept the recommendation or override it with a reason.',
    authScopes: { authenticated: true },
    args: { contactId: t.arg.id({ required: true }), input: t.arg({ type: ScreeningDecisionInput, required: true }) },
    resolve: async (_root, { contactId, input }, context) => {
      const { actor, workflowId, borough } = await authoriseContact(context, String(contactId), rolesFor('Mutation.recordScreeningDecision'));
      if (!(LEVELS_OF_NEED as readonly number[]).includes(input.levelOfNeed)) {
        throw inputError([{ field: 'input.levelOfNeed', message: 'must be 1, 2, 3 or 4 (London continuum of need)' }]);
      }
      const state = await runCaseUpdate(context.services.temporal, workflowId, recordScreeningDecision, [{
        actor, pathway: input.pathway, levelOfNeed: input.levelOfNeed as 1 | 2 | 3 | 4, rag: input.rag, rationale: input.rationale,
        overrideReason: input.overrideReason ?? null, primaryNeed: input.primaryNeed ?? null,
      }], underInput);
      return answerContactStep(context, borough, String(contactId), state);
    },
  }),
);

builder.mutationField('recordConsent', (t) =>
  t.field({
    type: ContactStep,
    description: 'Consent to multi-agency checks: sought, given, refused, or dispensed with (a manager, with a lawful reason).',
    authScopes: { authenticated: true },
    args: {
      contactId: t.arg.id({ required: true }),
      status: t.arg({ type: ConsentChangeEnum, required: true }),
      reason: t.arg({ type: DispensingReasonEnum }),
      note: t.arg.string({ required: true, description: 'At least 3 characters.' }),
    },
    resolve: async (_root, args, context) => {
      const { actor, workflowId, borough } = await authoriseContact(context, String(args.contactId), rolesFor('Mutation.recordConsent'));
      const state = await runCaseUpdate(context.services.temporal, workflowId, recordConsent, [{ actor, status: args.status, reason: args.reason ?? null, note: args.note }], asArguments('note'));
      return answerContactStep(context, borough, String(args.contactId), state);
    },
  }),
);

builder.mutationField('escalateContact', (t) =>
  t.field({
    type: ContactStep,
    description: 'Out of hours: escalate an urgent contact now. It jumps ahead in the queues and the borough\'s ladder is told.',
    authScopes: { authenticated: true },
    args: { contactId: t.arg.id({ required: true }), reason: t.arg.string({ required: true, description: 'Why it is urgent (at least 10 characters).' }) },
    resolve: async (_root, args, context) => {
      const { actor, workflowId, borough } = await authoriseContact(context, String(args.contactId), rolesFor('Mutation.escalateContact'));
      return answerContactStep(context, borough, String(args.contactId), await runCaseUpdate(context.services.temporal, workflowId, escalateContact, [{ actor, reason: args.reason }], asArguments('reason')));
    },
  }),
);

builder.mutationField('requestAgencyInformation', (t) =>
  t.field({
    type: ContactStep,
    description: 'A MASH information request to a partner agency, due with the enquiry\'s RAG deadline; chased and escalated when late.',
    authScopes: { authenticated: true },
    args: { contactId: t.arg.id({ required: true }), agency: t.arg({ type: AgencyEnum, required: true }), purpose: t.arg.string({ required: true, description: 'Why the information is needed (at least 5 characters).' }) },
    resolve: async (_root, args, context) => {
      const { actor, workflowId, borough } = await authoriseContact(context, String(args.contactId), rolesFor('Mutation.requestAgencyInformation'));
      return answerContactStep(context, borough, String(args.contactId), await runCaseUpdate(context.services.temporal, workflowId, requestAgencyInformation, [{ actor, agency: args.agency, purpose: args.purpose }], asArguments('purpose')));
    },
  }),
);

builder.mutationField('recordAgencyResponse', (t) =>
  t.field({
    type: ContactStep,
    description: 'What a partner agency shared, and who shared it (logged with the consent basis).',
    authScopes: { authenticated: true },
    args: {
      contactId: t.arg.id({ required: true }),
      agency: t.arg({ type: AgencyEnum, required: true }),
      summary: t.arg.string({ required: true, description: 'What the agency shared (at least 3 characters).' }),
      sharedBy: t.arg.string({ required: true, description: 'The person at the agency who shared it (at least 2 characters).' }),
    },
    resolve: async (_root, args, context) => {
      const { actor, workflowId, borough } = await authoriseContact(context, String(args.contactId), rolesFor('Mutation.recordAgencyResponse'));
      return answerContactStep(context, borough, String(args.contactId), await runCaseUpdate(context.services.temporal, workflowId, recordAgencyResponse, [{ actor, agency: args.agency, summary: args.summary, sharedBy: args.sharedBy }], asArguments('summary')));
    },
  }),
);

builder.mutationField('recordMashDecision', (t) =>
  t.field({
    type: ContactStep,
    description: 'The MASH decision with its rationale, signed off by the manager recording it; on partial information only with a reason.',
    authScopes: { authenticated: true },
    args: {
      contactId: t.arg.id({ required: true }),
      pathway: t.arg({ type: PathwayEnum, required: true }),
      rationale: t.arg.string({ required: true, description: 'Why, in the manager\'s words (at least 10 characters).' }),
      partialInformationReason: t.arg.string({ description: 'Required (not blank) while an agency asked has not responded: why deciding on partial information is right.' }),
      primaryNeed: t.arg.string(),
    },
    resolve: async (_root, args, context) => {
      const { actor, workflowId, borough } = await authoriseContact(context, String(args.contactId), rolesFor('Mutation.recordMashDecision'));
      const state = await runCaseUpdate(context.services.temporal, workflowId, recordMashDecision, [{
        actor, pathway: args.pathway, rationale: args.rationale, partialInformationReason: args.partialInformationReason ?? null, primaryNeed: args.primaryNeed ?? null,
      }], asArguments('rationale'));
      return answerContactStep(context, borough, String(args.contactId), state);
    },
  }),
);
