import { boroughSettingsVersions, type BoroughSettingsVersion } from '../../db/borough-settings';
import { findRulesetInForce, rulesetAuditTrail } from '../../db/rulesets';
import type { Borough, ClockSpan, EscalationLadder } from '../../rules/borough-config';
import { CLOCK_COUNTINGS, ESCALATION_ROLES, ESCALATION_STAGES, ICPC_ANCHORS, TEAM_KINDS, type EscalationStage } from '../../rules/vocabulary';
import { builder } from '../builder';
import { fromStore, requireBoroughRole } from '../context';
import { rolesFor } from '../access';
import { apiError } from '../errors';
import { AgencyEnum, RagEnum } from './enums';
import { RulesetVersionRef } from './ruleset';


type Settings = Borough['settings'];

export const EscalationStageEnum = builder.enumType('EscalationStage', { values: ESCALATION_STAGES, description: 'A stage of a case that runs against a deadline.' });
export const EscalationRoleEnum = builder.enumType('EscalationRole', { values: ESCALATION_ROLES, description: 'Who an escalation ladder notifies.' });
export const ClockCountingEnum = builder.enumType('ClockCounting', { values: CLOCK_COUNTINGS, description: 'OFFICE_HOURS counts only office hours (MASH working hours); CALENDAR_HOURS counts every hour.' });
export const TeamKindEnum = builder.enumType('TeamKind', { values: TEAM_KINDS });
export const IcpcAnchorEnum = builder.enumType('IcpcAnchor', { values: ICPC_ANCHORS, description: 'Which strategy discussion the ICPC clock runs from.' });
const WorkingDayCountingEnum = builder.enumType('WorkingDayCounting', {
  values: ['NEXT_WORKING_DAY_IS_DAY_1', 'START_DAY_IS_DAY_1'] as const,
  description: '"Within N working days": whether the next working day or the start day itself is day 1.',
});

const ClockSpanRef = builder.objectRef<ClockSpan>('ClockSpan').implement({
  fields: (t) => ({ hours: t.exposeFloat('hours'), counting: t.field({ type: ClockCountingEnum, resolve: (c) => c.counting }) }),
});

const MashClockRef = builder.objectRef<{ rag: 'RED' | 'AMBER' | 'GREEN'; span: ClockSpan }>('MashClock').implement({
  fields: (t) => ({ rag: t.field({ type: RagEnum, resolve: (c) => c.rag }), clock: t.field({ type: ClockSpanRef, resolve: (c) => c.span }) }),
});

const ClocksRef = builder.objectRef<Settings['clocks']>('BoroughClocks').implement({
  description: 'The borough\'s clocks (local practice within the statutory maximums).',
  fields: (t) => ({
    screeningWorkingDays: t.exposeInt('screeningWorkingDays'),
    mash: t.field({ type: [MashClockRef], description: 'The MASH enquiry clock for each RAG rating.', resolve: (c) => (['RED', 'AMBER', 'GREEN'] as const).map((rag) => ({ rag, span: c.mash[rag] })) }),
    assessmentWorkingDays: t.exposeInt('assessmentWorkingDays'),
    icpcWorkingDays: t.exposeInt('icpcWorkingDays'),
    icpcAnchor: t.field({ type: IcpcAnchorEnum, resolve: (c) => c.icpcAnchor }),
    coreGroupWorkingDays: t.exposeInt('coreGroupWorkingDays'),
    firstReviewMonths: t.exposeInt('firstReviewMonths'),
    subsequentReviewMonths: t.exposeInt('subsequentReviewMonths'),
    cinReviewMonths: t.exposeInt('cinReviewMonths'),
    cpVisitWorkingDays: t.exposeInt('cpVisitWorkingDays', { description: 'Working days between statutory visits to a child on a child protection plan (the first from the plan\'s start).' }),
    cinVisitWorkingDays: t.exposeInt('cinVisitWorkingDays', { description: 'Working days between statutory visits to a child on a child in need plan (the first from the plan\'s start).' }),
  }),
});

const RungRef = builder.objectRef<EscalationLadder['rungs'][number]>('EscalationRung').implement({
  fields: (t) => ({ afterHours: t.exposeFloat('afterHours', { description: 'Hours after the deadline (0: at the deadline).' }), notify: t.field({ type: EscalationRoleEnum, resolve: (r) => r.notify }) }),
});

const LadderRef = builder.objectRef<EscalationLadder & { stage: EscalationStage }>('EscalationLadder').implement({
  fields: (t) => ({
    stage: t.field({ type: EscalationStageEnum, resolve: (l) => l.stage }),
    counting: t.field({ type: ClockCountingEnum, resolve: (l) => l.counting }),
    rungs: t.field({ type: [RungRef], resolve: (l) => l.rungs }),
  }),
});

const TeamRef = builder.objectRef<Settings['teams'][number]>('Team').implement({
  fields: (t) => ({ id: t.exposeString('id'), name: t.exposeString('name'), kind: t.field({ type: TeamKindEnum, resolve: (team) => team.kind }) }),
});

const OfficeHoursRef = builder.objectRef<Settings['officeHours']>('OfficeHours').implement({
  fields: (t) => ({
    days: t.exposeIntList('days', { description: 'ISO weekdays: 1 Monday ... 7 Sunday.' }),
    start: t.exposeString('start'),
    end: t.exposeString('end'),
  }),
});

const SettingsVersionRef = builder.objectRef<BoroughSettingsVersion>('BoroughSettingsVersion').implement({
  description: 'A version of the borough\'s settings as loaded at a start-up.',
  fields: (t) => ({
    version: t.exposeInt('version'),
    contentHash: t.exposeString('contentHash'),
    author: t.exposeString('author'),
    reason: t.exposeString('reason'),
    effectiveFrom: t.expose('effectiveFrom', { type: 'DateTime' }),
  }),
});

const BoroughConfigRef = builder.objectRef<Borough>('BoroughConfig').implement({
  description: 'A borough\'s configuration: its settings (borough-config/<code>/borough.json) and the threshold ruleset in force.',
  fields: (t) => ({
    code: t.exposeString('code'),
    name: t.exposeString('name'),
    notes: t.stringList({ resolve: (b) => b.settings.notes ?? [] }),
    timeZone: t.string({ resolve: (b) => b.settings.timeZone }),
    officeHours: t.field({ type: OfficeHoursRef, resolve: (b) => b.settings.officeHours }),
    bankHolidays: t.string({ description: 'The bank holiday calendar (borough-config/bank-holidays/<name>.json).', resolve: (b) => b.settings.bankHolidays }),
    workingDayCounting: t.field({ type: WorkingDayCountingEnum, resolve: (b) => b.settings.workingDayCounting }),
    clocks: t.field({ type: ClocksRef, resolve: (b) => b.settings.clocks }),
    strategyDiscussionAgencies: t.field({ type: [AgencyEnum], description: 'Agencies every strategy discussion needs.', resolve: (b) => b.settings.strategyDiscussion.requiredAgencies }),
    escalation: t.field({ type: [LadderRef], description: 'The escalation ladder of each stage.', resolve: (b) => ESCALATION_STAGES.map((stage) => ({ stage, ...b.settings.escalation[stage] })) }),
    caseloadLimit: t.int({ description: 'Cases per worker.', resolve: (b) => b.settings.caseloadLimit }),
    teams: t.field({ type: [TeamRef], resolve: (b) => b.settings.teams }),
    outOfHoursService: t.string({ resolve: (b) => b.settings.outOfHours.service }),
    outOfHoursEscalationContact: t.string({ resolve: (b) => b.settings.outOfHours.escalationContact }),
    settings: t.field({ type: 'JSON', description: 'The whole settings file as loaded (defaults filled in).', resolve: (b) => b.settings }),
    settingsHash: t.exposeString('settingsHash', { description: 'sha256 of the settings in force.' }),
    settingsVersions: t.field({
      type: [SettingsVersionRef],
      description: 'Every version of the settings the borough has run with, newest first.',
      resolve: (b, _args, context) => fromStore(() => boroughSettingsVersions(context.services.sql, b.code)),
    }),
    rulesetInForce: t.field({
      type: RulesetVersionRef,
      nullable: true,
      description: 'The threshold ruleset deciding contacts received now.',
      resolve: async (b, _args, context) => {
        const { sql, now } = context.services;
        const record = await fromStore(() => findRulesetInForce(sql, b.code, now()));
        if (!record) return null;
        let trail: ReturnType<typeof rulesetAuditTrail> | undefined;
        return { ...record, loadAudit: () => (trail ??= fromStore(() => rulesetAuditTrail(sql, b.code, record.version))) };
      },
    }),
  }),
});

builder.queryField('boroughConfig', (t) =>
  t.field({
    type: BoroughConfigRef,
    description: 'A borough\'s configuration and the ruleset in force. Administrators (and auditors) of the borough.',
    authScopes: { authenticated: true },
    args: { borough: t.arg.string({ required: true }) },
    resolve: (_root, { borough }, context) => {
      requireBoroughRole(context, borough, rolesFor('Query.boroughConfig'));
      const found = context.services.boroughs.get(borough);
      if (!found) throw apiError('NOT_FOUND', `Borough "${borough}" is not configured (known: ${[...context.services.boroughs.keys()].join(', ')}).`);
      return found;
    },
  }),
);
