import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import shipped from '../../borough-config/bank-holidays/england-and-wales.json' with { type: 'json' };
import { type BankHolidayEvent, londonBankHolidays, parseBankHolidayFile } from '../../rules/calendar';
import { mergeBankHolidays } from '../../scripts/refresh-bank-holidays';

const { events, dates } = parseBankHolidayFile(shipped, 'england-and-wales');
const date = (year: number, month: number, day: number) => DateTime.utc(year, month, day);
const ymd = (d: DateTime) => d.toFormat('yyyy-MM-dd');

/** Easter Sunday by Gauss's algorithm (with its two Gregorian exceptions). */
function gaussEaster(year: number): DateTime {
  const a = year % 19;
  const b = year % 4;
  const c = year % 7;
  const k = Math.floor(year / 100);
  const p = Math.floor((13 + 8 * k) / 25);
  const q = Math.floor(k / 4);
  const m = (15 - p + k - q) % 30;
  const n = (4 + k - q) % 7;
  const d = (19 * a + m) % 30;
  const e = (2 * b + 4 * c + 6 * d + n) % 7;
  if (d === 29 && e === 6) return date(year, 4, 19);
  if (d === 28 && e === 6 && (11 * m + 11) % 30 < 19) return date(year, 4, 18);
  return date(year, 3, 22).plus({ days: d + e });
}

const firstMonday = (year: number, month: number) => {
  const first = date(year, month, 1);
  return first.plus({ days: (8 - first.weekday) % 7 });
};
const lastMonday = (year: number, month: number) => {
  const last = date(year, month, 1).endOf('month').startOf('day');
  return last.minus({ days: (last.weekday + 6) % 7 });
};
/** A fixed-date holiday moved to the next weekday not already taken. */
const substitute = (day: DateTime, taken: Set<string>) => {
  let d = day;
  while (d.weekday > 5 || taken.has(ymd(d))) d = d.plus({ days: 1 });
  taken.add(ymd(d));
  return d;
};

/** The England and Wales bank holidays of a year from the rules in the Banking and Financial Dealings Act 1971 and the proclamations. */
function expectedHolidays(year: number): string[] {
  const taken = new Set<string>();
  const easter = gaussEaster(year);
  const days = [
    substitute(date(year, 1, 1), taken),
    easter.minus({ days: 2 }),
    easter.plus({ days: 1 }),
    year === 2020 ? date(2020, 5, 8) : firstMonday(year, 5), // moved for the 75th anniversary of VE Day
    year === 2022 ? date(2022, 6, 2) : lastMonday(year, 5), // moved for the Platinum Jubilee
    lastMonday(year, 8),
    substitute(date(year, 12, 25), taken),
    substitute(date(year, 12, 26), taken),
  ];
  if (year === 2022) days.push(date(2022, 6, 3), date(2022, 9, 19)); // Platinum Jubilee; State Funeral
  if (year === 2023) days.push(date(2023, 5, 8)); // Coronation of King Charles III
  return days.map(ymd).sort();
}

describe('the shipped England and Wales bank holidays', () => {
  it('has every year from 2018 to 2028, matching the rules and the one-off days exactly', () => {
    for (let year = 2018; year <= 2028; year++) {
      expect(dates.filter((d) => d.startsWith(`${year}-`)), `year ${year}`).toEqual(expectedHolidays(year));
    }
    expect(dates[0]).toBe('2018-01-01');
    expect(dates.at(-1)).toBe('2028-12-26');
  });

  it('computes Easter correctly (checked against published Easter Sundays)', () => {
    const published = ['2018-04-01', '2019-04-21', '2020-04-12', '2021-04-04', '2022-04-17', '2023-04-09',
      '2024-03-31', '2025-04-20', '2026-04-05', '2027-03-28', '2028-04-16'];
    expect(published.map((d) => ymd(gaussEaster(Number(d.slice(0, 4)))))).toEqual(published);
    for (const sunday of published) {
      const easter = DateTime.fromISO(sunday, { zone: 'utc' });
      expect(dates).toContain(ymd(easter.minus({ days: 2 })));
      expect(dates).toContain(ymd(easter.plus({ days: 1 })));
    }
  });

  it('falls only on weekdays, in date order, with no date twice', () => {
    for (const d of dates) expect(DateTime.fromISO(d, { zone: 'utc' }).weekday, d).toBeLessThanOrEqual(5);
    expect(events.map((e) => e.date)).toEqual(dates);
    expect(new Set(dates).size).toBe(dates.length);
  });

  it('includes the one-off and substitute days, and not the 2020 early May Monday', () => {
    const known = {
      '2020-05-08': 'Early May bank holiday (VE day)',
      '2022-06-02': 'Spring bank holiday',
      '2022-06-03': 'Platinum Jubilee bank holiday',
      '2022-09-19': 'Bank Holiday for the State Funeral of Queen Elizabeth II',
      '2023-05-08': 'Bank holiday for the coronation of King Charles III',
      '2020-12-28': 'Boxing Day',
      '2021-12-27': 'Christmas Day',
      '2021-12-28': 'Boxing Day',
      '2022-01-03': 'New Year’s Day',
      '2022-12-27': 'Christmas Day',
      '2026-12-28': 'Boxing Day',
      '2027-12-27': 'Christmas Day',
      '2027-12-28': 'Boxing Day',
      '2027-03-26': 'Good Friday',
      '2027-03-29': 'Easter Monday',
    };
    for (const [day, title] of Object.entries(known)) {
      expect(events.find((e) => e.date === day)?.title, day).toBe(title);
    }
    expect(events.find((e) => e.date === '2021-12-28')?.notes).toBe('Substitute day');
    expect(dates).not.toContain('2020-05-04');
    expect(dates).not.toContain('2022-05-30');
  });

  it('is what londonBankHolidays() returns', () => {
    expect([...londonBankHolidays()].sort()).toEqual(dates);
  });
});

const event = (day: string, title: string, notes = ''): BankHolidayEvent => ({ title, date: day, notes, bunting: true });

describe('parseBankHolidayFile', () => {
  it("reads one division out of gov.uk's whole file", () => {
    const govUk = {
      'england-and-wales': { division: 'england-and-wales', events: [event('2029-01-01', 'New Year’s Day')] },
      scotland: { division: 'scotland', events: [event('2029-01-02', '2nd January')] },
    };
    expect(parseBankHolidayFile(govUk, 'england-and-wales').dates).toEqual(['2029-01-01']);
  });

  it('lists every problem with its path', () => {
    const bad = {
      'england-and-wales': {
        division: 'england-and-wales',
        events: [{ title: '', date: '2029-02-30', notes: '', bunting: true }, { title: 'Boxing Day', date: '2029-12-26', notes: 3 }],
      },
    };
    expect(() => parseBankHolidayFile(bad, 'england-and-wales')).toThrow(
      [
        'Invalid bank holidays file (division "england-and-wales"):',
        '  - england-and-wales.events.0.title: expected a non-empty title',
        '  - england-and-wales.events.0.date: expected a date "YYYY-MM-DD", got "2029-02-30"',
        '  - england-and-wales.events.1.notes: Invalid input: expected string, received number',
        '  - england-and-wales.events.1.bunting: Invalid input: expected boolean, received undefined',
      ].join('\n'),
    );
  });

  it('says when the division is missing or another division is given', () => {
    expect(() => parseBankHolidayFile({ scotland: {} }, 'england-and-wales')).toThrow(
      '  - england-and-wales: expected an object with "division": "england-and-wales" and "events"',
    );
    expect(() => parseBankHolidayFile({ division: 'scotland', events: [] }, 'england-and-wales')).toThrow(
      '  - division: expected "england-and-wales"',
    );
    expect(() => parseBankHolidayFile('[]', 'england-and-wales')).toThrow('  - (file): expected an object');
  });

  it('refuses the same date twice', () => {
    const twice = { division: 'england-and-wales', events: [event('2029-01-01', 'A'), event('2029-01-01', 'B')] };
    expect(() => parseBankHolidayFile(twice, 'england-and-wales')).toThrow('  - events.1.date: duplicate date 2029-01-01');
  });
});

describe('mergeBankHolidays', () => {
  const shippedEvents = [
    event('2017-12-25', 'Christmas Day'),
    event('2018-05-28', 'Spring bank holiday'),
    event('2018-08-27', 'Summer bank holiday'),
    event('2019-05-27', 'Spring bank holiday'),
    event('2020-05-04', 'Early May bank holiday'),
    event('2028-12-26', 'Boxing Day'),
  ];
  const official = [
    event('2019-05-27', 'Spring bank holiday'),
    event('2018-08-27', 'Summer bank holiday', 'Moved'),
    event('2020-05-08', 'Early May bank holiday (VE day)'),
    event('2018-05-28', 'Spring bank holiday'),
  ];

  it('lets the official list win for the years it spans and keeps the shipped years outside them', () => {
    const merge = mergeBankHolidays(shippedEvents, official);
    expect(merge.events.map((e) => `${e.date} ${e.title}`)).toEqual([
      '2017-12-25 Christmas Day',
      '2018-05-28 Spring bank holiday',
      '2018-08-27 Summer bank holiday',
      '2019-05-27 Spring bank holiday',
      '2020-05-08 Early May bank holiday (VE day)',
      '2028-12-26 Boxing Day',
    ]);
    expect(merge.events[2]?.notes).toBe('Moved');
    expect(merge.added).toEqual([event('2020-05-08', 'Early May bank holiday (VE day)')]);
    expect(merge.changed).toEqual([
      { from: event('2018-08-27', 'Summer bank holiday'), to: event('2018-08-27', 'Summer bank holiday', 'Moved') },
    ]);
    expect(merge.removed).toEqual([event('2020-05-04', 'Early May bank holiday')]);
  });

  it('reports nothing when the official list says what is shipped', () => {
    const merge = mergeBankHolidays(events, events.filter((e) => e.date < '2027'));
    expect(merge.events).toEqual(events);
    expect([merge.added, merge.changed, merge.removed]).toEqual([[], [], []]);
  });
});
