/**
 * Working days, office hours and calendar months: every deadline in the product is computed here. Pure functions
 * (no I/O, no clock, no Node built-ins), so workflows may import them. Local times are wall-clock times in the
 * calendar's zone, so office hours follow the clock changes (09:00 is 09:00 UTC in winter, 08:00 UTC in summer).
 */
import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import shippedEnglandAndWales from '../borough-config/bank-holidays/england-and-wales.json' with { type: 'json' };

export type WorkingDayCounting = 'NEXT_WORKING_DAY_IS_DAY_1' | 'START_DAY_IS_DAY_1';

export interface WorkingCalendar {
  /** IANA zone, e.g. 'Europe/London'. */
  timeZone: string;
  /** ISO weekdays 1 = Mon .. 7 = Sun; 'HH:mm' local wall-clock times, open from start up to (not including) end. */
  officeHours: { days: number[]; start: string; end: string };
  /** Local dates 'YYYY-MM-DD'. */
  bankHolidays: ReadonlySet<string>;
  workingDayCounting: WorkingDayCounting;
}

export interface Deadline {
  /** The local date of the last day allowed. */
  dueDate: string;
  /** The close of office hours on dueDate. */
  dueAt: Date;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True when localDate ('YYYY-MM-DD') is one of officeHours.days and not a bank holiday. */
export function isWorkingDay(localDate: string, cal: WorkingCalendar): boolean {
  checkCalendar(cal);
  return workingDay(checkLocalDate(localDate, 'localDate'), cal);
}

/** The local date ('YYYY-MM-DD') of an instant in the calendar's zone. */
export function localDateOf(at: Date, cal: WorkingCalendar): string {
  checkCalendar(cal);
  return dateIn(checkInstant(at, 'at'), cal);
}

/** True when `at` is on a working day, at or after its opening and before its close. */
export function isOfficeHours(at: Date, cal: WorkingCalendar): boolean {
  checkCalendar(cal);
  return inOfficeHours(checkInstant(at, 'at'), cal);
}

/** The same instant when `at` is in office hours, else the opening of the next office day. */
export function nextOfficeOpening(at: Date, cal: WorkingCalendar): Date {
  checkCalendar(cal);
  return new Date(nextOpening(checkInstant(at, 'at'), cal));
}

/**
 * The deadline "within n working days" of `start`, counted on local dates (the time of day does not matter).
 * NEXT_WORKING_DAY_IS_DAY_1: the first working day after start's date is day 1. START_DAY_IS_DAY_1: start's date
 * is day 1 when it is a working day, else the next working day is. n = 0 means start's own date.
 */
export function addWorkingDays(start: Date, n: number, cal: WorkingCalendar): Deadline {
  checkCalendar(cal);
  return workingDaysFrom(checkInstant(start, 'start'), checkCount(n, 'n'), cal);
}

/**
 * The earliest instant by which `hours` of office time have passed since `start` (time outside office hours does
 * not count; fractions allowed, to the millisecond). Lands at a close rather than the next opening when exact.
 */
export function addOfficeHours(start: Date, hours: number, cal: WorkingCalendar): Date {
  checkCalendar(cal);
  const from = checkInstant(start, 'start');
  if (!Number.isFinite(hours) || hours < 0) {
    throw new Error(`hours must be a finite number of 0 or more (got ${hours}).`);
  }
  let remaining = Math.round(hours * HOUR_MS);
  if (remaining === 0) return new Date(from);
  let t = nextOpening(from, cal);
  for (;;) {
    const close = closingOn(dateIn(t, cal), cal);
    if (t + remaining <= close) return new Date(t + remaining);
    remaining -= close - t;
    t = nextOpening(close, cal);
  }
}

/** localDate ('YYYY-MM-DD') plus whole calendar months, clamped to the month's end (31 Jan + 1 = 28/29 Feb). */
export function addCalendarMonths(localDate: string, months: number): string {
  if (!Number.isInteger(months)) throw new Error(`months must be a whole number (got ${months}).`);
  return toLocalDate(DateTime.fromISO(checkLocalDate(localDate, 'localDate'), { zone: 'utc' }).plus({ months }));
}

/**
 * The screening clock for a contact. In office hours it runs from receivedAt: due `workingDays` working days later,
 * counted by the calendar's convention. Out of hours (a weekend, a bank holiday, a weekday evening, or before opening
 * on a working day) the contact is handed over to the day team at the next office opening (`clockStartsAt`), and
 * handing over never extends the statutory clock: the handover day itself is day 1, whatever the convention, so the
 * contact is due by the close of the handover day plus `workingDays - 1` further working days (0 means the handover
 * day too). Saturday 22:00 → Monday 17:00; Tuesday 20:00 → Wednesday 17:00; Tuesday 07:00 → Tuesday 17:00.
 */
export function screeningDeadline(
  receivedAt: Date,
  workingDays: number,
  cal: WorkingCalendar,
): Deadline & { clockStartsAt: Date; outOfHours: boolean } {
  checkCalendar(cal);
  const received = checkInstant(receivedAt, 'receivedAt');
  const days = checkCount(workingDays, 'workingDays');
  const outOfHours = !inOfficeHours(received, cal);
  const clockStartsAt = nextOpening(received, cal);
  return {
    clockStartsAt: new Date(clockStartsAt),
    outOfHours,
    ...(outOfHours ? handoverDayIsDay1(clockStartsAt, days, cal) : workingDaysFrom(received, days, cal)),
  };
}

let englandAndWales: ReadonlySet<string> | undefined;

/** The shipped England and Wales bank holidays (borough-config/bank-holidays/england-and-wales.json). */
export function londonBankHolidays(): ReadonlySet<string> {
  englandAndWales ??= new Set(parseBankHolidayFile(shippedEnglandAndWales, 'england-and-wales').dates);
  return englandAndWales;
}

/** The default front-door calendar: Mon–Fri 09:00–17:00 Europe/London, England and Wales bank holidays. */
export function defaultWorkingCalendar(): WorkingCalendar {
  return {
    timeZone: 'Europe/London',
    officeHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
    bankHolidays: londonBankHolidays(),
    workingDayCounting: 'NEXT_WORKING_DAY_IS_DAY_1',
  };
}

const bankHolidayEvent = z.object({
  title: z.string().min(1, 'expected a non-empty title'),
  date: z.iso.date({ error: (issue) => `expected a date "YYYY-MM-DD", got ${JSON.stringify(issue.input)}` }),
  notes: z.string(),
  bunting: z.boolean(),
});

export type BankHolidayEvent = z.infer<typeof bankHolidayEvent>;

const divisionFile = (division: string) =>
  z.object(
    {
      division: z.literal(division, { error: `expected "${division}"` }),
      events: z.array(bankHolidayEvent).superRefine((events, ctx) => {
        const seen = new Set<string>();
        events.forEach(({ date }, i) => {
          if (seen.has(date)) ctx.addIssue({ code: 'custom', path: [i, 'date'], message: `duplicate date ${date}` });
          seen.add(date);
        });
      }),
    },
    { error: `expected an object with "division": "${division}" and "events"` },
  );

/**
 * Validates gov.uk's bank-holidays.json (all divisions, keyed by name) or a single division's
 * `{ division, events }` (the shipped shape), and returns that division's events and sorted dates.
 * Throws an Error listing every problem with its path.
 */
export function parseBankHolidayFile(
  json: unknown,
  division: string,
): { division: string; events: BankHolidayEvent[]; dates: string[] } {
  const wholeFile = isRecord(json) && !('division' in json);
  const result = divisionFile(division).safeParse(wholeFile ? json[division] : json);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = [...(wholeFile ? [division] : []), ...issue.path].map(String).join('.');
      return `  - ${path || '(file)'}: ${issue.message}`;
    });
    throw new Error(`Invalid bank holidays file (division "${division}"):\n${problems.join('\n')}`);
  }
  const { events } = result.data;
  return { division, events, dates: events.map((e) => e.date).sort() };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---- internals: inputs already checked; instants as epoch milliseconds, local dates as 'YYYY-MM-DD' ----

/** Local dates step as UTC calendar days: no zone is involved in counting days. */
const utcDay = (localDate: string) =>
  Date.UTC(Number(localDate.slice(0, 4)), Number(localDate.slice(5, 7)) - 1, Number(localDate.slice(8, 10)));
const plusDays = (localDate: string, days: number) => new Date(utcDay(localDate) + days * DAY_MS).toISOString().slice(0, 10);
const isoWeekday = (localDate: string) => new Date(utcDay(localDate)).getUTCDay() || 7;

function workingDay(localDate: string, cal: WorkingCalendar): boolean {
  return cal.officeHours.days.includes(isoWeekday(localDate)) && !cal.bankHolidays.has(localDate);
}

function nextWorkingDay(localDate: string, cal: WorkingCalendar): string {
  let day = plusDays(localDate, 1);
  while (!workingDay(day, cal)) day = plusDays(day, 1);
  return day;
}

function dateIn(ms: number, cal: WorkingCalendar): string {
  return toLocalDate(DateTime.fromMillis(ms, { zone: cal.timeZone }));
}

function toLocalDate(dt: DateTime): string {
  return dt.toFormat('yyyy-MM-dd');
}

/** The instant of a local wall-clock time (a time skipped by a clock change moves forward an hour). */
function instantOn(localDate: string, hhmm: string, cal: WorkingCalendar): number {
  return DateTime.fromISO(`${localDate}T${hhmm}`, { zone: cal.timeZone }).toMillis();
}

const openingOn = (localDate: string, cal: WorkingCalendar) => instantOn(localDate, cal.officeHours.start, cal);
const closingOn = (localDate: string, cal: WorkingCalendar) => instantOn(localDate, cal.officeHours.end, cal);

function inOfficeHours(ms: number, cal: WorkingCalendar): boolean {
  const today = dateIn(ms, cal);
  return workingDay(today, cal) && openingOn(today, cal) <= ms && ms < closingOn(today, cal);
}

function nextOpening(ms: number, cal: WorkingCalendar): number {
  const today = dateIn(ms, cal);
  if (workingDay(today, cal) && ms < closingOn(today, cal)) return Math.max(ms, openingOn(today, cal));
  return openingOn(nextWorkingDay(today, cal), cal);
}

function workingDaysFrom(startMs: number, n: number, cal: WorkingCalendar): Deadline {
  const startDate = dateIn(startMs, cal);
  let day = startDate;
  if (n > 0) {
    const startCounts = cal.workingDayCounting === 'START_DAY_IS_DAY_1' && workingDay(startDate, cal);
    for (let i = startCounts ? 1 : 0; i < n; i++) day = nextWorkingDay(day, cal);
  }
  return { dueDate: day, dueAt: new Date(closingOn(day, cal)) };
}

/** Due by the close of the day of `handoverMs` (a working day's opening), plus n - 1 further working days. */
function handoverDayIsDay1(handoverMs: number, n: number, cal: WorkingCalendar): Deadline {
  let day = dateIn(handoverMs, cal);
  for (let i = 1; i < n; i++) day = nextWorkingDay(day, cal);
  return { dueDate: day, dueAt: new Date(closingOn(day, cal)) };
}

// ---- input checks: each error says what to fix ----

// Checked once each: a calendar's holiday set is read-only, so it need not be re-read on every call.
const checkedZones = new Set<string>();
const checkedHolidays = new WeakSet<ReadonlySet<string>>();

function checkCalendar(cal: WorkingCalendar): void {
  if (!checkedZones.has(cal.timeZone) && !IANAZone.isValidZone(cal.timeZone)) {
    throw new Error(`Unknown time zone "${cal.timeZone}": use an IANA zone name such as "Europe/London".`);
  }
  checkedZones.add(cal.timeZone);
  const { days, start, end } = cal.officeHours;
  for (const [name, value] of [['start', start], ['end', end]] as const) {
    if (!HH_MM.test(value)) {
      throw new Error(`Office hours ${name} "${value}" is not a time: use 24-hour "HH:mm", e.g. "09:00" or "17:00".`);
    }
  }
  if (end <= start) throw new Error(`Office hours must end after they start (got ${start}–${end}).`);
  if (days.length === 0 || !days.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)) {
    throw new Error(`Office hours days must be ISO weekdays 1 (Mon) to 7 (Sun), at least one (got [${days.join(', ')}]).`);
  }
  if (!checkedHolidays.has(cal.bankHolidays)) {
    for (const holiday of cal.bankHolidays) checkLocalDate(holiday, 'bank holiday');
    checkedHolidays.add(cal.bankHolidays);
  }
  if (cal.workingDayCounting !== 'NEXT_WORKING_DAY_IS_DAY_1' && cal.workingDayCounting !== 'START_DAY_IS_DAY_1') {
    throw new Error(
      `workingDayCounting "${String(cal.workingDayCounting)}" is unknown: use "NEXT_WORKING_DAY_IS_DAY_1" or "START_DAY_IS_DAY_1".`,
    );
  }
}

function checkInstant(at: Date, name: string): number {
  const ms = at instanceof Date ? at.getTime() : NaN;
  if (Number.isNaN(ms)) throw new Error(`${name} is not a valid Date (got ${String(at)}): pass a Date with a real time.`);
  return ms;
}

function checkLocalDate(localDate: string, name: string): string {
  if (!LOCAL_DATE.test(localDate) || plusDays(localDate, 0) !== localDate) {
    throw new Error(`${name} "${localDate}" is not a date: use an existing calendar date "YYYY-MM-DD".`);
  }
  return localDate;
}

function checkCount(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number of 0 or more (got ${n}).`);
  return n;
}

/**
 * A warning when a calendar's bank holidays run out within `withinDays` of `now` (after the last one listed, every
 * weekday counts as a working day, so deadlines past it would silently ignore the holidays), else null.
 */
export function bankHolidaysRunningOut(calendar: WorkingCalendar, now: Date, withinDays = 365): string | null {
  const last = [...calendar.bankHolidays].sort().at(-1);
  const horizon = DateTime.fromJSDate(now, { zone: calendar.timeZone }).plus({ days: withinDays }).toISODate()!;
  if (last && last >= horizon) return null;
  return last
    ? `the bank holidays listed end on ${last}, within ${withinDays} days: deadlines after it would count bank holidays as working days. Refresh them (scripts/refresh-bank-holidays.ts) from gov.uk's bank-holidays.json.`
    : 'no bank holidays are listed: every weekday counts as a working day. Add them (scripts/refresh-bank-holidays.ts) from gov.uk\'s bank-holidays.json.';
}
