import { DateTime } from 'luxon';
import { appendAudit } from '../../db/audit';
import { MEASURE_IDS, performanceReport, type BreakdownRow, type MeasureItem, type MeasureResult, type SeriesPoint } from '../../db/performance';
import { rolesFor } from '../access';
import type { Role } from '../auth';
import { builder } from '../builder';
import { fromStore, requireBoroughRole } from '../context';
import { apiError, inputError, type InputProblem } from '../errors';

/** The longest period a report covers (its series covers as long again before it). */
export const MAX_PERIOD_MONTHS = 24;
/** Who may list the cases behind a figure: the performance readers who also read casework (not administrators). */
const CASE_LIST_READERS: readonly Role[] = ['manager', 'auditor'];

interface Report {
  borough: string;
  from: string;
  to: string;
  team: string | null;
  measures: MeasureResult[];
}

const MeasureIdEnum = builder.enumType('MeasureId', { values: MEASURE_IDS, description: 'A performance measure (README "Performance measures" gives each rule).' });

const MeasureBreakdownRef = builder.objectRef<BreakdownRow>('MeasureBreakdown').implement({
  description: 'A measure\'s figure for one group, e.g. by agency, RAG, stage, rung, outcome or worker.',
  fields: (t) => ({
    by: t.exposeString('by', { description: 'The dimension: rag, agency, stage, rung, kind, outcome, worker, channel, from or recommended.' }),
    key: t.exposeString('key', { description: 'The group, e.g. POLICE, RED, SCREENING, 1.' }),
    numerator: t.exposeInt('numerator'),
    denominator: t.exposeInt('denominator', { nullable: true }),
    rate: t.exposeFloat('rate', { nullable: true }),
    medianHours: t.exposeFloat('medianHours', { nullable: true, description: 'Median hours from request to response, for a measure that times something (agency responses); else null.' }),
  }),
});

const MeasurePointRef = builder.objectRef<SeriesPoint>('MeasurePoint').implement({
  description: 'A measure\'s figure for one calendar month.',
  fields: (t) => ({
    month: t.exposeString('month', { description: 'YYYY-MM.' }),
    numerator: t.exposeInt('numerator'),
    denominator: t.exposeInt('denominator', { nullable: true }),
    rate: t.exposeFloat('rate', { nullable: true }),
    medianHours: t.exposeFloat('medianHours', { nullable: true, description: 'Median hours from request to response, for a measure that times something (agency responses); else null.' }),
  }),
});

const MeasureCaseRef = builder.objectRef<MeasureItem>('MeasureCase').implement({
  description: 'One thing a figure counted, and its case (no child\'s name).',
  fields: (t) => ({
    caseId: t.exposeID('caseId', { description: 'The case (a contact\'s front-door case, or a child\'s episode).' }),
    reference: t.exposeString('reference'),
    countedOn: t.field({ type: 'Date', description: 'The local date that put it in the period (the rule says which).', resolve: (i) => i.countedOn }),
    met: t.exposeBoolean('met', { nullable: true, description: 'Whether it met the measure; null for a count, or while it cannot yet be judged.' }),
  }),
});

const MeasureRef = builder.objectRef<MeasureResult & { borough: string }>('Measure').implement({
  description: 'One performance measure for the period: its rule, figure, England comparison, breakdown and monthly series.',
  fields: (t) => ({
    id: t.field({ type: MeasureIdEnum, resolve: (m) => m.definition.id }),
    title: t.string({ resolve: (m) => m.definition.title }),
    rule: t.string({ description: 'What counts, which date puts it in the period, which clock decides it.', resolve: (m) => m.definition.rule }),
    kind: t.string({ description: 'COUNT (numerator is the count), RATE (numerator met of denominator judged) or SNAPSHOT (a rate as at the end of the period).', resolve: (m) => m.definition.kind }),
    numerator: t.exposeInt('numerator'),
    denominator: t.exposeInt('denominator', { nullable: true }),
    rate: t.exposeFloat('rate', { nullable: true, description: 'numerator / denominator, 0 to 1; null for a count or when nothing was judged.' }),
    medianHours: t.exposeFloat('medianHours', { nullable: true, description: 'Median hours from request to response, for a measure that times something (agency responses); else null.' }),
    englandRate: t.float({ nullable: true, description: 'The England figure, 0 to 1, where the DfE publishes one.', resolve: (m) => m.definition.england?.rate ?? null }),
    englandSource: t.string({ nullable: true, resolve: (m) => m.definition.england?.source ?? null }),
    breakdown: t.field({ type: [MeasureBreakdownRef], resolve: (m) => m.breakdown }),
    series: t.field({ type: [MeasurePointRef], description: 'Month by month: the months of the period and as many before it.', resolve: (m) => m.series }),
    cases: t.field({
      type: [MeasureCaseRef],
      description: 'The cases behind the figure, oldest first (managers and auditors of the borough, as for casework).',
      args: { limit: t.arg.int({ defaultValue: 100 }), offset: t.arg.int({ defaultValue: 0 }) },
      resolve: async (m, { limit, offset }, context) => {
        requireBoroughRole(context, m.borough, CASE_LIST_READERS);
        const problems: InputProblem[] = [];
        const size = limit ?? 100;
        const start = offset ?? 0;
        if (size < 1 || size > 500) problems.push({ field: 'limit', message: 'must be between 1 and 500' });
        if (start < 0) problems.push({ field: 'offset', message: 'must be 0 or more' });
        if (problems.length) throw inputError(problems);
        const page = m.items.slice(start, start + size);
        // Listing a case is reading it: each case behind the figure goes on its audit trail, as casework reads do.
        const caller = context.caller!;
        const entries = [...new Set(page.map((item) => item.caseId))].map((caseId) => ({
          userId: caller.userId, roles: caller.roles, borough: m.borough, operation: `Measure.cases(${m.definition.id})`, kind: 'READ' as const, caseId, outcome: 'OK',
          purpose: context.purpose,
        }));
        await fromStore(() => appendAudit(context.services.sql, entries));
        return page;
      },
    }),
  }),
});

const PerformanceReportRef = builder.objectRef<Report>('PerformanceReport').implement({
  description: 'Every performance measure for a borough and period, computed from the record.',
  fields: (t) => ({
    borough: t.exposeString('borough'),
    from: t.field({ type: 'Date', resolve: (r) => r.from }),
    to: t.field({ type: 'Date', resolve: (r) => r.to }),
    team: t.exposeString('team', { nullable: true }),
    measures: t.field({ type: [MeasureRef], resolve: (r) => r.measures.map((m) => ({ ...m, borough: r.borough })) }),
    measure: t.field({
      type: MeasureRef, nullable: true, args: { id: t.arg({ type: MeasureIdEnum, required: true }) },
      resolve: (r, { id }) => {
        const found = r.measures.find((m) => m.definition.id === id);
        return found ? { ...found, borough: r.borough } : null;
      },
    }),
  }),
});

builder.queryField('performance', (t) =>
  t.field({
    type: PerformanceReportRef,
    description: 'The borough\'s performance measures for the period from..to (local dates, inclusive; at most 24 months), optionally for one team\'s cases.',
    authScopes: { authenticated: true },
    args: { borough: t.arg.string({ required: true }), from: t.arg({ type: 'Date', required: true }), to: t.arg({ type: 'Date', required: true }), team: t.arg.string() },
    resolve: async (_root, { borough, from, to, team }, context) => {
      requireBoroughRole(context, borough, rolesFor('Query.performance'));
      const config = context.services.boroughs.get(borough);
      if (!config) throw apiError('NOT_FOUND', `Borough "${borough}" is not configured (known: ${[...context.services.boroughs.keys()].join(', ')}).`);
      const problems: InputProblem[] = [];
      if (to < from) problems.push({ field: 'to', message: `${to} is before from (${from}); a period ends on or after it starts` });
      else if (DateTime.fromISO(to) >= DateTime.fromISO(from).plus({ months: MAX_PERIOD_MONTHS })) {
        problems.push({ field: 'to', message: `the period is longer than ${MAX_PERIOD_MONTHS} months; ask for ${MAX_PERIOD_MONTHS} months or less` });
      }
      const teams = config.settings.teams.map((x) => x.id);
      if (team != null && !teams.includes(team)) problems.push({ field: 'team', message: `"${team}" is not a team of ${borough} (teams: ${teams.join(', ')})` });
      if (problems.length) throw inputError(problems);
      const measures = await fromStore(() =>
        performanceReport(context.services.sql, {
          borough, timeZone: config.settings.timeZone, from, to, now: context.services.now(), caseloadLimit: config.settings.caseloadLimit, team: team ?? null,
        }),
      );
      return { borough, from, to, team: team ?? null, measures };
    },
  }),
);
