import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseBankHolidayFile, type WorkingCalendar } from './calendar';
import { parseRuleset, type Ruleset } from './thresholds';
import { BOROUGH_CODE_PATTERN } from './vocabulary';

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour time HH:mm');

/** The settings in `borough-config/<code>/borough.json`. Local practice lives here; law lives in code. */
export const BoroughSettingsSchema = z
  .object({
    code: z.string().regex(BOROUGH_CODE_PATTERN, 'must be a lower-case slug such as "hf"'),
    name: z.string().min(1),
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
    clocks: z
      .object({
        screeningWorkingDays: z.number().int().min(1).max(30),
      })
      .strict(),
  })
  .strict();
export type BoroughSettings = z.infer<typeof BoroughSettingsSchema>;

/** A borough ready for use: its settings, its working calendar and its current threshold ruleset. */
export interface Borough {
  code: string;
  name: string;
  settings: BoroughSettings;
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
 * borough is a new folder and nothing else. Reports every problem in every borough at once; never returns a partial
 * registry.
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
      const parsed = parseRuleset(rulesJson, rulesFile);
      if (parsed.ok) ruleset = parsed;
      else for (const problem of parsed.problems) problems.push(`${rulesFile}: ${problem.path || '(file)'}: ${problem.message}`);
      if (parsed.ok && parsed.ruleset.borough !== folder) problems.push(`${rulesFile}: borough: is "${parsed.ruleset.borough}" but the folder is "${folder}"; they must match`);
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
