import { describe, expect, it } from 'vitest';
import { elapsed, reportProgress, type ProgressClock } from '../../server/infra/temporal-cli';
import { statementName } from '../../db/sql';
import { chooseLogFormat } from '../../server/logger';

describe('log format', () => {
  it('is readable at a terminal and JSON when piped or in production, unless LOG_FORMAT says', () => {
    expect(chooseLogFormat({ setting: 'auto', isTty: true, nodeEnv: 'development' })).toBe('pretty');
    expect(chooseLogFormat({ setting: 'auto', isTty: false, nodeEnv: 'development' })).toBe('json');
    expect(chooseLogFormat({ setting: 'auto', isTty: true, nodeEnv: 'production' })).toBe('json');
    expect(chooseLogFormat({ setting: 'json', isTty: true, nodeEnv: 'development' })).toBe('json');
    expect(chooseLogFormat({ setting: 'pretty', isTty: false, nodeEnv: 'production' })).toBe('pretty');
  });
});

describe('progress while the Temporal CLI builds', () => {
  /** A clock the test moves by hand: `advance` runs every tick that falls due. */
  function manualClock() {
    let now = 1_000_000;
    const timers: { every: number; next: number; tick: () => void; stopped: boolean }[] = [];
    const clock: ProgressClock = {
      now: () => now,
      every(ms, tick) {
        const timer = { every: ms, next: now + ms, tick, stopped: false };
        timers.push(timer);
        return () => (timer.stopped = true);
      },
    };
    const advance = (ms: number) => {
      const until = now + ms;
      for (;;) {
        const due = timers.filter((t) => !t.stopped && t.next <= until).sort((a, b) => a.next - b.next)[0];
        if (!due) break;
        now = due.next;
        due.next += due.every;
        due.tick();
      }
      now = until;
    };
    return { clock, advance };
  }

  it('says every 15 s how long it has been building, and stops when told', () => {
    const { clock, advance } = manualClock();
    const said: string[] = [];
    const stop = reportProgress((m) => said.push(m), 'still building the Temporal CLI', { clock });
    advance(14_999);
    expect(said).toEqual([]);
    advance(1);
    advance(75_000);
    expect(said).toEqual([15, 30, 45, 60, 75, 90].map((s) => `still building the Temporal CLI (${elapsed(s * 1000)})…`));
    expect(said.at(-1)).toBe('still building the Temporal CLI (1m30s)…');
    stop();
    advance(60_000);
    expect(said).toHaveLength(6);
  });

  it('writes durations as a person reads them', () => {
    expect(elapsed(45_900)).toBe('45s');
    expect(elapsed(90_000)).toBe('1m30s');
    expect(elapsed(725_000)).toBe('12m05s');
  });
});

describe('SQL span names', () => {
  it('name the statement by its verb and first table, from the SQL text alone', () => {
    expect(statementName(['insert into contacts (id, summary) values (', ', ', ')'])).toBe('insert contacts');
    expect(statementName(['\n    select c.id from front_door.cases c where c.id = ', ''])).toBe('select front_door.cases');
    expect(statementName('update "contact_children" set first_name = $1')).toBe('update contact_children');
    expect(statementName('begin')).toBe('begin');
  });
});
