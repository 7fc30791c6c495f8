import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  type WorkingCalendar,
  addCalendarMonths,
  addOfficeHours,
  addWorkingDays,
  bankHolidaysRunningOut,
  defaultWorkingCalendar,
  isOfficeHours,
  isWorkingDay,
  localDateOf,
  nextOfficeOpening,
  screeningDeadline,
} from '../../rules/calendar';

const london = defaultWorkingCalendar();
const startDayIsDay1: WorkingCalendar = { ...london, workingDayCounting: 'START_DAY_IS_DAY_1' };
const at = (iso: string) => new Date(iso);
const iso = (d: Date) => d.toISOString();

describe('office hours follow London wall-clock time', () => {
  it('is 09:00–17:00 GMT in winter and 08:00–16:00 UTC in summer, open at the start and closed at the end', () => {
    expect(isOfficeHours(at('2026-01-12T09:00:00Z'), london)).toBe(true);
    expect(isOfficeHours(at('2026-01-12T16:59:59.999Z'), london)).toBe(true);
    expect(isOfficeHours(at('2026-01-12T17:00:00Z'), london)).toBe(false);
    expect(isOfficeHours(at('2026-06-15T07:59:59.999Z'), london)).toBe(false);
    expect(isOfficeHours(at('2026-06-15T08:00:00Z'), london)).toBe(true);
    expect(isOfficeHours(at('2026-06-15T15:59:59.999Z'), london)).toBe(true);
    expect(isOfficeHours(at('2026-06-15T16:00:00Z'), london)).toBe(false);
  });

  it('is closed at weekends and on bank holidays', () => {
    expect(isOfficeHours(at('2026-01-17T12:00:00Z'), london)).toBe(false); // Saturday
    expect(isOfficeHours(at('2026-12-28T12:00:00Z'), london)).toBe(false); // substitute Boxing Day
    expect(isWorkingDay('2026-12-25', london)).toBe(false);
    expect(isWorkingDay('2026-12-26', london)).toBe(false);
    expect(isWorkingDay('2026-12-28', london)).toBe(false);
    expect(isWorkingDay('2026-12-29', london)).toBe(true);
  });

  it('takes the local date in London, not in UTC', () => {
    expect(localDateOf(at('2026-06-14T23:30:00Z'), london)).toBe('2026-06-15');
    expect(localDateOf(at('2026-01-14T23:30:00Z'), london)).toBe('2026-01-14');
  });

  it('finds the next opening across weekends and both clock changes', () => {
    expect(iso(nextOfficeOpening(at('2026-01-14T10:15:00Z'), london))).toBe('2026-01-14T10:15:00.000Z');
    expect(iso(nextOfficeOpening(at('2026-01-14T07:00:00Z'), london))).toBe('2026-01-14T09:00:00.000Z');
    expect(iso(nextOfficeOpening(at('2026-03-28T12:00:00Z'), london))).toBe('2026-03-30T08:00:00.000Z');
    expect(iso(nextOfficeOpening(at('2026-10-23T16:00:00Z'), london))).toBe('2026-10-26T09:00:00.000Z');
  });
});

describe('screeningDeadline: 1 working day, the next working day is day 1', () => {
  it('a Friday 16:30 contact is due at Monday close', () => {
    expect(screeningDeadline(at('2026-01-16T16:30:00Z'), 1, london)).toEqual({
      clockStartsAt: at('2026-01-16T16:30:00Z'),
      outOfHours: false,
      dueDate: '2026-01-19',
      dueAt: at('2026-01-19T17:00:00Z'),
    });
    const summer = screeningDeadline(at('2026-06-12T15:30:00Z'), 1, london); // 16:30 BST
    expect(iso(summer.dueAt)).toBe('2026-06-15T16:00:00.000Z');
  });

  it('a contact on Christmas Eve 2026 skips Christmas Day, the weekend and the substitute Boxing Day', () => {
    const deadline = screeningDeadline(at('2026-12-24T11:00:00Z'), 1, london);
    expect(deadline.outOfHours).toBe(false);
    expect(deadline.dueDate).toBe('2026-12-29');
    expect(iso(deadline.dueAt)).toBe('2026-12-29T17:00:00.000Z');
  });

  it('a Saturday 22:00 contact is out of hours: handed over Monday 09:00 and due that Monday (the handover day is day 1)', () => {
    const deadline = screeningDeadline(at('2026-01-17T22:00:00Z'), 1, london);
    expect(deadline.outOfHours).toBe(true);
    expect(iso(deadline.clockStartsAt)).toBe('2026-01-19T09:00:00.000Z');
    expect(deadline.dueDate).toBe('2026-01-19');
    expect(iso(deadline.dueAt)).toBe('2026-01-19T17:00:00.000Z');
  });

  it('a Tuesday 20:00 contact is handed over Wednesday morning and due Wednesday 17:00', () => {
    const deadline = screeningDeadline(at('2026-01-13T20:00:00Z'), 1, london);
    expect(deadline.outOfHours).toBe(true);
    expect(iso(deadline.clockStartsAt)).toBe('2026-01-14T09:00:00.000Z');
    expect(deadline.dueDate).toBe('2026-01-14');
    expect(iso(deadline.dueAt)).toBe('2026-01-14T17:00:00.000Z');
  });

  it('a bank-holiday Monday 14:00 contact (Easter Monday 2026) is due Tuesday 17:00 BST', () => {
    const deadline = screeningDeadline(at('2026-04-06T13:00:00Z'), 1, london);
    expect(deadline.outOfHours).toBe(true);
    expect(iso(deadline.clockStartsAt)).toBe('2026-04-07T08:00:00.000Z');
    expect(deadline.dueDate).toBe('2026-04-07');
    expect(iso(deadline.dueAt)).toBe('2026-04-07T16:00:00.000Z');
  });

  it('a Friday 16:59 contact is in hours and due Monday 17:00', () => {
    const deadline = screeningDeadline(at('2026-01-16T16:59:00Z'), 1, london);
    expect(deadline.outOfHours).toBe(false);
    expect(deadline.dueDate).toBe('2026-01-19');
  });

  it('a contact before opening (Wednesday 07:00) is handed over at 09:00 the same day, and due that day', () => {
    const deadline = screeningDeadline(at('2026-01-14T07:00:00Z'), 1, london);
    expect(deadline.outOfHours).toBe(true);
    expect(iso(deadline.clockStartsAt)).toBe('2026-01-14T09:00:00.000Z');
    expect(iso(deadline.dueAt)).toBe('2026-01-14T17:00:00.000Z');
    // START_DAY_IS_DAY_1 counts the handover day as day 1 too: the same answer.
    expect(iso(screeningDeadline(at('2026-01-14T07:00:00Z'), 1, startDayIsDay1).dueAt)).toBe('2026-01-14T17:00:00.000Z');
  });

  it('for N working days out of hours, the handover day is day 1 of N', () => {
    // Saturday 17 Jan 2026: handed over Monday 19th; 3 working days = Mon, Tue, Wed.
    expect(screeningDeadline(at('2026-01-17T22:00:00Z'), 3, london).dueDate).toBe('2026-01-21');
    expect(screeningDeadline(at('2026-01-17T22:00:00Z'), 3, startDayIsDay1).dueDate).toBe('2026-01-21');
  });

  it('Easter 2027 (and the clock change on Easter Sunday): Thursday before Good Friday is due Tuesday 17:00 BST', () => {
    const deadline = screeningDeadline(at('2027-03-25T14:00:00Z'), 1, london);
    expect(deadline.dueDate).toBe('2027-03-30');
    expect(iso(deadline.dueAt)).toBe('2027-03-30T16:00:00.000Z');
  });

  it('with START_DAY_IS_DAY_1 a Saturday contact is due Monday, and an in-hours Friday contact that Friday', () => {
    const deadline = screeningDeadline(at('2026-01-17T10:00:00Z'), 1, startDayIsDay1);
    expect(iso(deadline.clockStartsAt)).toBe('2026-01-19T09:00:00.000Z');
    expect(iso(deadline.dueAt)).toBe('2026-01-19T17:00:00.000Z');
    expect(iso(screeningDeadline(at('2026-01-16T16:59:00Z'), 1, startDayIsDay1).dueAt)).toBe('2026-01-16T17:00:00.000Z');
  });

  it('agrees with counting day by day, for receipt before opening, at midday and in the evening of every date of 2026 and 2027', () => {
    const DAY = 86_400_000;
    const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const isWorking = (ms: number) => new Date(ms).getUTCDay() % 6 !== 0 && !london.bankHolidays.has(dateOf(ms));
    const nextWorking = (ms: number) => { let d = ms + DAY; while (!isWorking(d)) d += DAY; return d; };
    // Local wall-clock times in London (GMT in winter, BST in summer).
    const localInstant = (date: string, hhmm: string) => DateTime.fromISO(`${date}T${hhmm}`, { zone: 'Europe/London' }).toJSDate();
    const mismatches: unknown[] = [];
    for (let day = Date.UTC(2026, 0, 1); day < Date.UTC(2028, 0, 1); day += DAY) {
      for (const cal of [london, startDayIsDay1]) {
        for (const n of [1, 10]) {
          for (const hhmm of ['07:00', '12:00', '20:00']) {
            const inHours = hhmm === '12:00' && isWorking(day);
            let due: number;
            if (inHours) {
              // In hours: n working days from the receipt date, by the calendar's convention.
              due = cal.workingDayCounting === 'START_DAY_IS_DAY_1' ? day - DAY : day;
              for (let counted = 0; counted < n; ) if (isWorking((due += DAY))) counted++;
            } else {
              // Out of hours: handed over on the same day before opening on a working day, else the next working day;
              // the handover day is day 1, whatever the convention.
              due = hhmm === '07:00' && isWorking(day) ? day : nextWorking(day);
              for (let counted = 1; counted < n; counted++) due = nextWorking(due);
            }
            const deadline = screeningDeadline(localInstant(dateOf(day), hhmm), n, cal);
            const expected = { outOfHours: !inHours, dueDate: dateOf(due), dueAt: localInstant(dateOf(due), '17:00').getTime() };
            const got = { outOfHours: deadline.outOfHours, dueDate: deadline.dueDate, dueAt: deadline.dueAt.getTime() };
            if (JSON.stringify(got) !== JSON.stringify(expected)) mismatches.push({ received: `${dateOf(day)} ${hhmm}`, n, counting: cal.workingDayCounting, expected, got });
          }
        }
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  }, 120_000);
});

describe('addWorkingDays', () => {
  it('counts the next working day as day 1 by default, and the start day with START_DAY_IS_DAY_1', () => {
    const wednesday = at('2026-01-14T10:00:00Z');
    expect(addWorkingDays(wednesday, 1, london).dueDate).toBe('2026-01-15');
    expect(addWorkingDays(wednesday, 1, startDayIsDay1).dueDate).toBe('2026-01-14');
    expect(addWorkingDays(wednesday, 15, london).dueDate).toBe('2026-02-04');
    expect(addWorkingDays(wednesday, 15, startDayIsDay1).dueDate).toBe('2026-02-03');
  });

  it('with START_DAY_IS_DAY_1, a start on a bank holiday makes the next working day day 1', () => {
    const goodFriday = at('2027-03-26T10:00:00Z');
    expect(addWorkingDays(goodFriday, 1, startDayIsDay1).dueDate).toBe('2027-03-30');
    expect(addWorkingDays(goodFriday, 1, london).dueDate).toBe('2027-03-30');
  });

  it('45 working days across Easter, the May bank holiday and the clock change', () => {
    const deadline = addWorkingDays(at('2026-03-02T10:00:00Z'), 45, london);
    expect(deadline.dueDate).toBe('2026-05-07');
    expect(iso(deadline.dueAt)).toBe('2026-05-07T16:00:00.000Z');
  });

  it('0 working days is the start date itself', () => {
    expect(iso(addWorkingDays(at('2026-01-14T10:00:00Z'), 0, london).dueAt)).toBe('2026-01-14T17:00:00.000Z');
  });

  it('agrees with counting day by day, for every start date of 2026 and 2027 and both countings', () => {
    const DAY = 86_400_000;
    const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const isWorking = (ms: number) => new Date(ms).getUTCDay() % 6 !== 0 && !london.bankHolidays.has(dateOf(ms));
    for (let startDay = Date.UTC(2026, 0, 1); startDay < Date.UTC(2028, 0, 1); startDay += DAY) {
      for (const cal of [london, startDayIsDay1]) {
        for (const n of [1, 15, 45]) {
          let day = cal.workingDayCounting === 'START_DAY_IS_DAY_1' ? startDay - DAY : startDay;
          for (let counted = 0; counted < n; ) if (isWorking((day += DAY))) counted++;
          expect(addWorkingDays(new Date(startDay + 12 * 3_600_000), n, cal).dueDate).toBe(dateOf(day));
        }
      }
    }
  });
});

describe('addOfficeHours (MASH working hours)', () => {
  it('red, 4 hours, at Thursday 15:00 runs over the night to Friday 11:00', () => {
    expect(iso(addOfficeHours(at('2026-01-15T15:00:00Z'), 4, london))).toBe('2026-01-16T11:00:00.000Z');
  });

  it('red, 4 hours, at Friday 15:00 runs over the weekend to Monday 11:00', () => {
    expect(iso(addOfficeHours(at('2026-01-16T15:00:00Z'), 4, london))).toBe('2026-01-19T11:00:00.000Z');
  });

  it('skips bank holidays: Thursday before Easter 2027, 15:00 + 4 hours is Tuesday 11:00 BST', () => {
    expect(iso(addOfficeHours(at('2027-03-25T15:00:00Z'), 4, london))).toBe('2027-03-30T10:00:00.000Z');
  });

  it('crosses the clock changes in local time', () => {
    // Fri 27 March 2026 15:00 GMT + 4 → Mon 30 March 11:00 BST.
    expect(iso(addOfficeHours(at('2026-03-27T15:00:00Z'), 4, london))).toBe('2026-03-30T10:00:00.000Z');
    // Fri 23 October 2026 15:00 BST + 4 → Mon 26 October 11:00 GMT.
    expect(iso(addOfficeHours(at('2026-10-23T14:00:00Z'), 4, london))).toBe('2026-10-26T11:00:00.000Z');
  });

  it('ends at a close when the hours run out exactly then (amber, 24 hours = 3 office days)', () => {
    expect(iso(addOfficeHours(at('2026-01-12T09:00:00Z'), 24, london))).toBe('2026-01-14T17:00:00.000Z');
  });

  it('counts nothing before the next opening, and takes fractions of an hour', () => {
    expect(iso(addOfficeHours(at('2026-01-17T10:00:00Z'), 1, london))).toBe('2026-01-19T10:00:00.000Z');
    expect(iso(addOfficeHours(at('2026-01-12T16:45:00Z'), 0.5, london))).toBe('2026-01-13T09:15:00.000Z');
    expect(iso(addOfficeHours(at('2026-01-17T10:00:00Z'), 0, london))).toBe('2026-01-17T10:00:00.000Z');
  });
});

describe('addCalendarMonths', () => {
  it('adds calendar months and clamps to the end of a shorter month', () => {
    expect(addCalendarMonths('2026-03-15', 3)).toBe('2026-06-15');
    expect(addCalendarMonths('2026-03-15', 6)).toBe('2026-09-15');
    expect(addCalendarMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addCalendarMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addCalendarMonths('2026-08-31', 3)).toBe('2026-11-30');
    expect(addCalendarMonths('2026-11-30', 3)).toBe('2027-02-28');
    expect(addCalendarMonths('2026-05-31', -1)).toBe('2026-04-30');
  });
});

describe('a calendar other than the default', () => {
  it('uses its own days, hours and zone', () => {
    const saturdays: WorkingCalendar = {
      timeZone: 'Europe/London',
      officeHours: { days: [1, 2, 3, 4, 5, 6], start: '08:30', end: '18:00' },
      bankHolidays: new Set(),
      workingDayCounting: 'NEXT_WORKING_DAY_IS_DAY_1',
    };
    expect(iso(addWorkingDays(at('2026-12-24T11:00:00Z'), 1, saturdays).dueAt)).toBe('2026-12-25T18:00:00.000Z');
    expect(iso(nextOfficeOpening(at('2026-01-16T19:00:00Z'), saturdays))).toBe('2026-01-17T08:30:00.000Z');
    const newYork = { ...london, timeZone: 'America/New_York', bankHolidays: new Set<string>() };
    expect(iso(addWorkingDays(at('2026-01-16T21:30:00Z'), 1, newYork).dueAt)).toBe('2026-01-19T22:00:00.000Z');
  });
});

describe('bad input is refused with a message that says what to fix', () => {
  const monday = at('2026-01-12T10:00:00Z');
  const withHours = (start: string, end: string): WorkingCalendar => ({ ...london, officeHours: { ...london.officeHours, start, end } });

  it('rejects a calendar that cannot be used', () => {
    expect(() => isOfficeHours(monday, { ...london, timeZone: 'Europe/Londn' })).toThrow(
      'Unknown time zone "Europe/Londn": use an IANA zone name such as "Europe/London".',
    );
    expect(() => isOfficeHours(monday, withHours('9:00', '17:00'))).toThrow(
      'Office hours start "9:00" is not a time: use 24-hour "HH:mm", e.g. "09:00" or "17:00".',
    );
    expect(() => isOfficeHours(monday, withHours('09:00', '24:00'))).toThrow('Office hours end "24:00" is not a time');
    expect(() => isOfficeHours(monday, withHours('17:00', '09:00'))).toThrow(
      'Office hours must end after they start (got 17:00–09:00).',
    );
    expect(() => isOfficeHours(monday, { ...london, officeHours: { ...london.officeHours, days: [0, 1] } })).toThrow(
      'Office hours days must be ISO weekdays 1 (Mon) to 7 (Sun), at least one (got [0, 1]).',
    );
    expect(() => isOfficeHours(monday, { ...london, bankHolidays: new Set(['25/12/2026']) })).toThrow(
      'bank holiday "25/12/2026" is not a date: use an existing calendar date "YYYY-MM-DD".',
    );
  });

  it('rejects negative or fractional counts, bad dates and Invalid Date', () => {
    expect(() => addWorkingDays(monday, -1, london)).toThrow('n must be a whole number of 0 or more (got -1).');
    expect(() => addWorkingDays(monday, 1.5, london)).toThrow('n must be a whole number of 0 or more (got 1.5).');
    expect(() => screeningDeadline(monday, NaN, london)).toThrow('workingDays must be a whole number of 0 or more (got NaN).');
    expect(() => addOfficeHours(monday, -4, london)).toThrow('hours must be a finite number of 0 or more (got -4).');
    expect(() => addOfficeHours(at('not a date'), 4, london)).toThrow(
      'start is not a valid Date (got Invalid Date): pass a Date with a real time.',
    );
    expect(() => screeningDeadline(at(''), 1, london)).toThrow('receivedAt is not a valid Date');
    expect(() => isWorkingDay('2026-02-30', london)).toThrow(
      'localDate "2026-02-30" is not a date: use an existing calendar date "YYYY-MM-DD".',
    );
    expect(() => addCalendarMonths('2026-1-31', 1)).toThrow('localDate "2026-1-31" is not a date');
    expect(() => addCalendarMonths('2026-01-31', 0.5)).toThrow('months must be a whole number (got 0.5).');
  });
});

describe('the shipped bank holidays running out', () => {
  const listed = { ...london, bankHolidays: new Set(['2027-12-27', '2027-12-28']) };

  it('says nothing while they reach a year ahead', () => {
    expect(bankHolidaysRunningOut(listed, at('2026-12-27T12:00:00Z'))).toBeNull();
  });

  it('warns, naming the last date and how to refresh, once they end within a year', () => {
    expect(bankHolidaysRunningOut(listed, at('2026-12-29T12:00:00Z'))).toMatch(/^the bank holidays listed end on 2027-12-28, within 365 days: .*refresh-bank-holidays/);
  });

  it('warns when none are listed at all', () => {
    expect(bankHolidaysRunningOut({ ...london, bankHolidays: new Set() }, at('2026-12-29T12:00:00Z'))).toMatch(/^no bank holidays are listed/);
  });
});
