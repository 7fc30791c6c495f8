import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { ROLES, type Role } from './auth';
import type { ApiContext } from './context';
import { apiError } from './errors';

/** Roles that may read case data: casework staff and auditors (administrators configure rules; they do not read cases). */
export const CASE_READERS: readonly Role[] = ['practitioner', 'manager', 'mash_worker', 'out_of_hours', 'auditor'];
/** Roles that may read a child's episode: not the MASH, whose shared enquiry needs only the front door. */
export const EPISODE_READERS: readonly Role[] = ['practitioner', 'manager', 'out_of_hours', 'auditor'];
/** Roles that work the front door. */
export const FRONT_DOOR_STAFF: readonly Role[] = ['practitioner', 'manager', 'mash_worker', 'out_of_hours'];
const MASH: readonly Role[] = ['mash_worker', 'practitioner', 'manager'];
const MANAGERS: readonly Role[] = ['manager'];
const CASEWORKERS: readonly Role[] = ['practitioner', 'manager'];
// Police protection and emergency protection orders happen at night too: the out-of-hours team records them.
const PROTECTION: readonly Role[] = ['practitioner', 'manager', 'out_of_hours'];
const ADMINISTRATORS: readonly Role[] = ['administrator'];
const RULE_READERS: readonly Role[] = ['administrator', 'auditor'];
/** Statutory returns hold children's personal data: a role of their own, or auditors. */
const RETURNS: readonly Role[] = ['data_officer', 'auditor'];

/**
 * Who may call each operation (a role in the borough the operation concerns). The resolvers enforce it; the access
 * test walks the printed schema and fails for any operation missing here, and proves each one refuses callers
 * without these roles, callers from another borough, and callers without a token.
 */
export const ACCESS: Readonly<Record<string, readonly Role[]>> = {
  'Query.me': ROLES,
  'Query.contact': CASE_READERS,
  'Query.case': CASE_READERS,
  'Query.cases': CASE_READERS,
  'Query.workQueue': FRONT_DOOR_STAFF,
  'Query.outOfHoursQueue': ['out_of_hours', 'manager'],
  'Query.auditTrail': ['auditor'],
  'Query.episode': EPISODE_READERS,
  'Query.boroughConfig': RULE_READERS,
  'Query.ruleset': RULE_READERS,
  'Query.rulesetVersions': RULE_READERS,
  'Query.simulationReport': RULE_READERS,
  'Query.replayDecision': RULE_READERS,
  'Query.compareBoroughs': ADMINISTRATORS,
  'Query.overrideAnalytics': RULE_READERS,
  // Performance figures (issue 10): no child's name in a figure; the cases behind one need casework access (manager, auditor).
  'Query.performance': ['manager', 'auditor', 'administrator'],
  'Mutation.receiveContact': FRONT_DOOR_STAFF,
  'Mutation.recordScreeningDecision': FRONT_DOOR_STAFF,
  'Mutation.recordConsent': MASH,
  'Mutation.escalateContact': ['out_of_hours', 'manager'],
  'Mutation.requestAgencyInformation': MASH,
  'Mutation.recordAgencyResponse': MASH,
  'Mutation.recordMashDecision': MANAGERS,
  'Mutation.allocateWorker': MANAGERS,
  'Mutation.createRulesetDraft': ADMINISTRATORS,
  'Mutation.updateRulesetDraft': ADMINISTRATORS,
  'Mutation.validateRuleset': ADMINISTRATORS,
  'Mutation.approveRuleset': ADMINISTRATORS,
  'Mutation.publishRuleset': ADMINISTRATORS,
  'Mutation.rollbackRuleset': ADMINISTRATORS,
  'Mutation.simulateRuleset': ADMINISTRATORS,
  'Subscription.escalations': CASE_READERS,
  'Subscription.caseEvents': CASE_READERS,
  // The episode (issue 3 casework after referral).
  'Mutation.scheduleStrategyDiscussion': CASEWORKERS,
  'Mutation.recordStrategyDiscussion': CASEWORKERS,
  'Mutation.startSection47': CASEWORKERS,
  'Mutation.recordSection47Outcome': CASEWORKERS,
  'Mutation.authoriseSection47': MANAGERS,
  'Mutation.startAssessment': CASEWORKERS,
  'Mutation.completeAssessment': MANAGERS,
  'Mutation.recordInitialConference': CASEWORKERS,
  'Mutation.createPlan': CASEWORKERS,
  'Mutation.addPlanAction': CASEWORKERS,
  'Mutation.updatePlanAction': CASEWORKERS,
  'Mutation.recordReview': CASEWORKERS,
  'Mutation.recordVisit': CASEWORKERS,
  'Mutation.stepDown': MANAGERS,
  'Mutation.stepUp': CASEWORKERS,
  'Mutation.closeCase': MANAGERS,
  'Mutation.recordPoliceProtection': PROTECTION,
  'Mutation.recordEmergencyProtectionOrder': PROTECTION,
  'Mutation.extendEmergencyProtectionOrder': PROTECTION,
  'Mutation.endProtection': PROTECTION,
  // Early help (issue 10): the step down to it is a manager's (stepDown); recording it is casework.
  'Mutation.recordEarlyHelpAssessment': CASEWORKERS,
  'Mutation.endEarlyHelp': CASEWORKERS,
  // Issue 10: the child's census characteristics; a data officer fixes census gaps too.
  'Mutation.recordChildCharacteristics': ['practitioner', 'manager', 'data_officer'],
  // Statutory returns (issue 10): personal data, for the borough's data officers and auditors.
  'Query.cinCensus': RETURNS,
  // Statutory returns (issue 10).
  'Query.annexA': RETURNS,
};

/** The kinds of case a caller may read: a MASH worker with no other casework role sees only the front door. */
export function readableKinds(roles: readonly Role[]): ('CONTACT' | 'EPISODE')[] {
  return roles.some((role) => EPISODE_READERS.includes(role)) ? ['CONTACT', 'EPISODE'] : ['CONTACT'];
}

/** The roles for an operation; throws for one without a rule (a programming error the access test also catches). */
export function rolesFor(operation: string): readonly Role[] {
  const roles = ACCESS[operation];
  if (!roles) throw new Error(`No access rule for ${operation}: add it to api/access.ts.`);
  return roles;
}

/**
 * The one refusal rule's first step, for every root operation: a signed-in caller holding none of the operation's
 * roles (api/access.ts) is refused FORBIDDEN, naming the roles that may, before anything is looked up (so the answer
 * is the same whatever id or borough they sent). A caller without a token is left to the builder's UNAUTHENTICATED.
 * Tenancy (NOT_FOUND for an id outside your boroughs; FORBIDDEN for a borough named that is not yours), content
 * (BAD_USER_INPUT) and stage (INVALID_STATE) come after, in the resolvers and workflows.
 */
export function withAccess(schema: GraphQLSchema): GraphQLSchema {
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      const roles = rolesFor(`${type!.name}.${field.name}`);
      const check = (context: ApiContext) => {
        const caller = context.caller;
        if (caller && !roles.some((role) => caller.roles.includes(role))) throw roleRefusal(field.name, roles, caller.roles);
      };
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: ApiContext, info) => {
        check(context);
        return resolve(source, args, context, info);
      };
      const subscribe = field.subscribe;
      if (subscribe) {
        field.subscribe = (source, args, context: ApiContext, info) => {
          check(context);
          return subscribe(source, args, context, info);
        };
      }
    }
  }
  return schema;
}

/** FORBIDDEN for a caller without any of `roles`, naming them. */
export function roleRefusal(what: string, roles: readonly Role[], has: readonly Role[]) {
  return apiError('FORBIDDEN', `${what} needs one of the roles ${roles.join(', ')} (you have: ${has.join(', ') || 'none'}).`, { roles: [...roles] });
}
