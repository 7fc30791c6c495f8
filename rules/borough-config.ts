import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseBankHolidayFile, type WorkingCalendar } from './calendar';
import { contentHash } from './content-hash';
import { validateRuleset } from './ruleset-validation';
import type { Ruleset } from './thresholds';
import {
  AGENCIES,
  BOROUGH_CODE_PATTERN,
  CLOCK_COUNTINGS,
  ESCALATION_ROLES,
  ESCALATION_STAGES,
  ICPC_ANCHORS,
  TEAM_KINDS,
  type Agency,
} from './vocabulary';

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour time HH:mm');
const SLUG = /^[a-z][a-z0-9-]{0,39}$/;

const missing = (what: string) => (issue: { input: unknown }) => (issue.input === undefined ? `missing: ${what}` : undefined);

/** A clock of hours: office hours only (MASH working hours) or every hour of the day. */
const ClockSpanSchema = z.strictObject(
  {
    hours: z.number().positive('must be more than 0').max(336, 'must be at most 336 hours (two weeks)'),
    counting: z.enum(CLOCK_COUNTINGS),
  },
  { error: missing('every RAG rating needs a clock { "hours", "counting" }') },
);
export type ClockSpan = z.infer<typeof ClockSpanSchema>;

const workingDays = (fallback: number, statutoryMax: number, what: string) =>
  z.number().int('must be a whole number of working days').min(1, 'must be at least 1').max(statutoryMax, `must be at most ${statutoryMax} (${what})`).default(fallback);
const months = (fallback: number, max: number, what: string) =>
  z.number().int('must be a whole number of months').min(1, 'must be at least 1').max(max, `must be at most ${max} (${what})`).default(fallback);

/**
 * The clocks. Where a figure is local practice it has DOMAIN.md's default; where the law sets a maximum (assessment
 * 45 working days, ICPC 15, first core group 10, reviews 3 then 6 months) a borough may only shorten it.
 */
const ClocksSchema = z.strictObject({
  screeningWorkingDays: z.number().int().min(1).max(30),
  mash: z
    .strictObject({ RED: ClockSpanSchema, AMBER: ClockSpanSchema, GREEN: ClockSpanSchema })
    .default({ RED: { hours: 4, counting: 'OFFICE_HOURS' }, AMBER: { hours: 24, counting: 'OFFICE_HOURS' }, GREEN: { hours: 72, counting: 'CALENDAR_HOURS' } })
    .superRefine((mash, ctx) => {
      const order = ['RED', 'AMBER', 'GREEN'] as const;
      for (let i = 1; i < order.length; i++) {
        const [faster, slower] = [mash[order[i - 1]!], mash[order[i]!]];
        if (faster.counting === slower.counting && faster.hours > slower.hours) {
          ctx.addIssue({ code: 'custom', path: [order[i - 1]!, 'hours'], message: `must not be longer than the ${order[i]} clock (${slower.hours} hours): a more urgent rating never has more time` });
        }
      }
    }),
  assessmentWorkingDays: workingDays(45, 45, 'the statutory maximum for a single assessment'),
  icpcWorkingDays: workingDays(15, 15, 'the statutory maximum from the strategy discussion'),
  icpcAnchor: z.enum(ICPC_ANCHORS).default('FIRST_STRATEGY_DISCUSSION'),
  coreGroupWorkingDays: workingDays(10, 10, 'the statutory maximum from the ICPC'),
  firstReviewMonths: months(3, 3, 'the statutory maximum from the ICPC'),
  subsequentReviewMonths: months(6, 6, 'the statutory maximum between reviews'),
  cinReviewMonths: months(3, 12, 'a child in need plan is reviewed at least yearly'),
  // Statutory visits (London Safeguarding Children Procedures): a child on a CP plan seen at least every 10 working
  // days, a child on a CIN plan at least every 20. Local practice, so a borough may only visit more often.
  cpVisitWorkingDays: workingDays(10, 10, 'the London procedures\' maximum between visits to a child on a child protection plan'),
  cinVisitWorkingDays: workingDays(20, 20, 'the London procedures\' maximum between visits to a child on a child in need plan'),
});

const EscalationLadderSchema = z.strictObject(
  {
    counting: z.enum(CLOCK_COUNTINGS),
    rungs: z
      .array(
        z.strictObject({
          afterHours: z.number().min(0, 'must be 0 (at the deadline) or more'),
          notify: z.enum(ESCALATION_ROLES),
        }),
      )
      .min(1, 'needs at least one rung (who is told at the deadline)')
      .superRefine((rungs, ctx) => {
        rungs.forEach((rung, i) => {
          const before = rungs[i - 1];
          if (before && rung.afterHours <= before.afterHours) {
            ctx.addIssue({ code: 'custom', path: [i, 'afterHours'], message: `must be later than the rung before (${before.afterHours} hours): rungs climb in time order` });
          }
        });
      }),
  },
  { error: missing('every stage needs an escalation ladder { "counting", "rungs" }') },
);
export type EscalationLadder = z.infer<typeof EscalationLadderSchema>;

/** Agencies every strategy discussion needs whatever the borough adds (Working Together: social care, police, health). */
export const STATUTORY_STRATEGY_AGENCIES = ['CHILDRENS_SOCIAL_CARE', 'POLICE', 'HEALTH'] as const satisfies readonly Agency[];

/** The settings in `borough-config/<code>/borough.json`. Local practice lives here; law lives in code. */
export const BoroughSettingsSchema = z
  .object({
    code: z.string().regex(BOROUGH_CODE_PATTERN, 'must be a lower-case slug such as "hf"'),
    name: z.string().min(1),
    /** The DfE local authority (LEA) code the borough's statutory returns carry, e.g. 205 for Hammersmith and Fulham. */
    leaCode: z.string().regex(/^\d{3}$/, 'must be the DfE three-digit local authority code, e.g. "205"').optional(),
    notes: z.array(z.string().min(1)).optional(),
    timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as "Europe/London"'),
    officeHours: z
      .object({
        days: z.array(z.number().int().min(1).max(7)).min(1, 'needs at least one day (1 = Monday ... 7 = Sunday)'),
        start: HHMM,
        end: HHMM,
      })
      .strict()
      .refine((hours) => hours.start < hours.end, { message: 'start must be before end', path: ['end'] }),
    bankHolidays: z.string().regex(/^[a-z-]+$/, 'must name a file in borough-config/bank-holidays, e.g. "england-and-wales"'),
    workingDayCounting: z.enum(['NEXT_WORKING_DAY_IS_DAY_1', 'START_DAY_IS_DAY_1']),
    clocks: ClocksSchema,
    strategyDiscussion: z.strictObject({
      requiredAgencies: z
        .array(z.enum(AGENCIES))
        .superRefine((agencies, ctx) => {
          const seen = new Set<string>();
          agencies.forEach((agency, i) => {
            if (seen.has(agency)) ctx.addIssue({ code: 'custom', path: [i], message: `${agency} is listed twice` });
            seen.add(agency);
          });
          const absent = STATUTORY_STRATEGY_AGENCIES.filter((agency) => !agencies.includes(agency));
          if (absent.length) ctx.addIssue({ code: 'custom', path: [], message: `must include ${absent.join(', ')}: every strategy discussion needs social care, police and health` });
        }),
    }),
    escalation: z.record(z.enum(ESCALATION_STAGES), EscalationLadderSchema),
    caseloadLimit: z.number().int('must be a whole number of cases').min(1, 'must be at least 1').max(100, 'must be at most 100'),
    teams: z
      .array(
        z.strictObject({
          id: z.string().regex(SLUG, 'must be a lower-case slug such as "locality-north"'),
          name: z.string().min(1),
          kind: z.enum(TEAM_KINDS),
        }),
      )
      .min(1, 'needs at least one team')
      .superRefine((teams, ctx) => {
        const seen = new Map<string, number>();
        teams.forEach((team, i) => {
          const first = seen.get(team.id);
          if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate team id "${team.id}" (also teams[${first}])` });
          else seen.set(team.id, i);
        });
        if (!teams.some((team) => team.kind === 'LOCALITY')) ctx.addIssue({ code: 'custom', path: [], message: 'needs at least one LOCALITY team (cases are allocated to locality teams)' });
      }),
    outOfHours: z.strictObject({
      service: z.string().min(1),
      escalationContact: z.string().min(1),
    }),
  })
  .strict();
export type BoroughSettings = z.infer<typeof BoroughSettingsSchema>;

/**
 * A borough ready for use: its settings (with their content hash), its working calendar, and the threshold ruleset
 * in its folder. That file is the *seed*: the ruleset in force is the published version in PostgreSQL
 * (db/rulesets.ts `rulesetInForce`), which starts as this file and changes only through the publish lifecycle.
 */
export interface Borough {
  code: string;
  name: string;
  settings: BoroughSettings;
  settingsHash: string;
  calendar: WorkingCalendar;
  ruleset: Ruleset;
  rulesetHash: string;
}

/** Every borough found under the configuration folder, by code. */
export type BoroughRegistry = ReadonlyMap<string, Borough>;

/** Thrown when any borough's configuration is unusable; `problems` lists every problem with its file and path. */
export class BoroughConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Borough configuration is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'BoroughConfigError';
  }
}

const NOT_BOROUGHS = new Set(['bank-holidays']);

/**
 * Reads and validates every borough folder under `dir` (each holding `borough.json` and `thresholds.json`). A new
 * borough is a new folder and nothing else. The ruleset gets the full check (validateRuleset: coverage and conflicts
 * included). Reports every problem in every borough at once; never returns a partial registry.
 */
export async function loadBoroughConfigs(dir: string): Promise<BoroughRegistry> {
  const problems: string[] = [];
  const boroughs = new Map<string, Borough>();
  const holidayCache = new Map<string, ReadonlySet<string> | undefined>();

  let entries: string[];
  try {
    entries = (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && !NOT_BOROUGHS.has(e.name) && !/^[._]/.test(e.name)).map((e) => e.name).sort();
  } catch (error) {
    throw new BoroughConfigError([`${dir}: cannot be read (${(error as Error).message}); set BOROUGH_CONFIG_DIR to the borough-config folder`]);
  }
  if (entries.length === 0) problems.push(`${dir}: no borough folders found`);

  for (const folder of entries) {
    const settingsFile = `${folder}/borough.json`;
    const rulesFile = `${folder}/thresholds.json`;
    const settingsJson = await readJson(path.join(dir, settingsFile), settingsFile, problems);
    const rulesJson = await readJson(path.join(dir, rulesFile), rulesFile, problems);

    let settings: BoroughSettings | undefined;
    if (settingsJson !== undefined) {
      const parsed = BoroughSettingsSchema.safeParse(settingsJson);
      if (parsed.success) settings = parsed.data;
      else for (const issue of parsed.error.issues) problems.push(`${settingsFile}: ${issue.path.join('.') || '(file)'}: ${issue.message}`);
      if (settings && settings.code !== folder) problems.push(`${settingsFile}: code: is "${settings.code}" but the folder is "${folder}"; they must match`);
    }

    let ruleset: { ruleset: Ruleset; hash: string } | undefined;
    if (rulesJson !== undefined) {
      const checked = validateRuleset(rulesJson, { borough: folder, source: rulesFile });
      if (checked.valid) ruleset = checked;
      else for (const problem of checked.problems) problems.push(`${rulesFile}: ${problem.path || '(file)'}: ${problem.message}`);
    }

    let holidays: ReadonlySet<string> | undefined;
    if (settings) {
      const division = settings.bankHolidays;
      if (!holidayCache.has(division)) holidayCache.set(division, await readHolidays(dir, division, problems));
      holidays = holidayCache.get(division);
      if (!holidays) problems.push(`${settingsFile}: bankHolidays: no usable file bank-holidays/${division}.json`);
    }

    if (settings && ruleset && holidays) {
      boroughs.set(folder, {
        code: folder,
        name: settings.name,
        settings,
        calendar: { timeZone: settings.timeZone, officeHours: settings.officeHours, bankHolidays: holidays, workingDayCounting: settings.workingDayCounting },
        settingsHash: contentHash(settings),
        ruleset: ruleset.ruleset,
        rulesetHash: ruleset.hash,
      });
    }
  }

  if (problems.length > 0) throw new BoroughConfigError(problems);
  return boroughs;
}

async function readJson(file: string, label: string, problems: string[]): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    problems.push(`${label}: missing (every borough folder needs borough.json and thresholds.json)`);
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    problems.push(`${label}: not valid JSON (${(error as Error).message})`);
    return undefined;
  }
}

async function readHolidays(dir: string, division: string, problems: string[]): Promise<ReadonlySet<string> | undefined> {
  const label = `bank-holidays/${division}.json`;
  const json = await readJson(path.join(dir, label), label, problems);
  if (json === undefined) return undefined;
  try {
    return new Set(parseBankHolidayFile(json, division).dates);
  } catch (error) {
    problems.push(`${label}: ${(error as Error).message}`);
    return undefined;
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
