import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoroughConfigError, BoroughSettingsSchema, loadBoroughConfigs, type BoroughRegistry } from '../../rules/borough-config';
import { addOfficeHours, addWorkingDays } from '../../rules/calendar';
import { ESCALATION_STAGES } from '../../rules/vocabulary';

const CONFIG_DIR = path.resolve('borough-config');
let registry: BoroughRegistry;
let scratch: string;

beforeAll(async () => {
  registry = await loadBoroughConfigs(CONFIG_DIR);
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'borough-config-test-'));
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

async function settingsOf(borough: string): Promise<Record<string, unknown>> {
  return JSON.parse(await fs.readFile(path.join(CONFIG_DIR, borough, 'borough.json'), 'utf8')) as Record<string, unknown>;
}

/** A copy of the shipped configuration with extra borough folders, each given as { settings, thresholds } JSON. */
async function configWith(extra: Record<string, { settings: unknown; thresholds: unknown }>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(scratch, 'config-'));
  await fs.cp(CONFIG_DIR, dir, { recursive: true });
  for (const [code, files] of Object.entries(extra)) {
    await fs.mkdir(path.join(dir, code));
    await fs.writeFile(path.join(dir, code, 'borough.json'), JSON.stringify(files.settings));
    await fs.writeFile(path.join(dir, code, 'thresholds.json'), JSON.stringify(files.thresholds));
  }
  return dir;
}

describe('the shipped borough settings', () => {
  it('load for hf, rbkc and wcc with every setting', () => {
    expect([...registry.keys()]).toEqual(['hf', 'rbkc', 'wcc']);
    for (const borough of registry.values()) {
      const { settings } = borough;
      expect(Object.keys(settings.escalation).sort()).toEqual([...ESCALATION_STAGES].sort());
      expect(settings.clocks).toMatchObject({ screeningWorkingDays: 1, assessmentWorkingDays: 45, icpcWorkingDays: 15, coreGroupWorkingDays: 10, firstReviewMonths: 3, subsequentReviewMonths: 6, cinReviewMonths: 3, cpVisitWorkingDays: 10, cinVisitWorkingDays: 20 });
      expect(settings.clocks.mash.RED).toEqual({ hours: 4, counting: 'OFFICE_HOURS' });
      expect(settings.clocks.mash.GREEN).toEqual({ hours: 72, counting: 'CALENDAR_HOURS' });
      expect(settings.strategyDiscussion.requiredAgencies).toEqual(expect.arrayContaining(['CHILDRENS_SOCIAL_CARE', 'POLICE', 'HEALTH']));
      expect(settings.teams.some((team) => team.kind === 'LOCALITY')).toBe(true);
      expect(settings.caseloadLimit).toBeGreaterThan(0);
      expect(settings.outOfHours.service).toMatch(/Emergency Duty Team/);
      expect(borough.settingsHash).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('fill in DOMAIN.md\'s defaults for clocks a borough leaves out', () => {
    const parsed = BoroughSettingsSchema.parse({ ...registry.get('hf')!.settings, clocks: { screeningWorkingDays: 2 } });
    expect(parsed.clocks).toEqual({
      screeningWorkingDays: 2,
      mash: { RED: { hours: 4, counting: 'OFFICE_HOURS' }, AMBER: { hours: 24, counting: 'OFFICE_HOURS' }, GREEN: { hours: 72, counting: 'CALENDAR_HOURS' } },
      assessmentWorkingDays: 45,
      icpcWorkingDays: 15,
      icpcAnchor: 'FIRST_STRATEGY_DISCUSSION',
      coreGroupWorkingDays: 10,
      firstReviewMonths: 3,
      subsequentReviewMonths: 6,
      cinReviewMonths: 3,
      cpVisitWorkingDays: 10,
      cinVisitWorkingDays: 20,
    });
  });
});

describe('clocks differ where the boroughs\' practice differs', () => {
  it('an AMBER MASH enquiry is due sooner in wcc (16 MASH working hours) than in hf and rbkc (24)', async () => {
    const started = new Date('2026-03-02T10:00:00Z'); // Monday 10:00 in London (GMT)
    const due = (code: string) => {
      const { settings, calendar } = registry.get(code)!;
      const clock = settings.clocks.mash.AMBER;
      expect(clock.counting).toBe('OFFICE_HOURS');
      return addOfficeHours(started, clock.hours, calendar).toISOString();
    };
    // 16 office hours: 7 on Monday, 8 on Tuesday, 1 on Wednesday. 24: 7 + 8 + 8, and 1 on Thursday.
    expect(due('wcc')).toBe('2026-03-04T10:00:00.000Z');
    expect(due('hf')).toBe('2026-03-05T10:00:00.000Z');
    expect(due('rbkc')).toBe(due('hf'));
    expect(((await settingsOf('wcc')).notes as string[]).join(' ')).toMatch(/AMBER MASH enquiries within 16 MASH working hours/);
  });

  it('the ICPC is due 15 working days from the first strategy discussion in hf, from the last in rbkc', async () => {
    const first = new Date('2026-03-02T11:00:00Z');
    const last = new Date('2026-03-09T11:00:00Z'); // a second discussion a week later
    const icpcDue = (code: string) => {
      const { settings, calendar } = registry.get(code)!;
      const anchor = settings.clocks.icpcAnchor === 'LAST_STRATEGY_DISCUSSION' ? last : first;
      return addWorkingDays(anchor, settings.clocks.icpcWorkingDays, calendar).dueDate;
    };
    expect(registry.get('hf')!.settings.clocks.icpcAnchor).toBe('FIRST_STRATEGY_DISCUSSION');
    expect(registry.get('rbkc')!.settings.clocks.icpcAnchor).toBe('LAST_STRATEGY_DISCUSSION');
    expect(icpcDue('hf')).toBe('2026-03-23');
    expect(icpcDue('rbkc')).toBe('2026-03-30');
    expect(((await settingsOf('rbkc')).notes as string[]).join(' ')).toMatch(/ICPC clock runs from the last strategy discussion/);
  });
});

describe('checking settings', () => {
  it('lets a borough visit children on plans more often than the London procedures, never less', () => {
    const hf = registry.get('hf')!.settings;
    const parsed = BoroughSettingsSchema.parse({ ...hf, clocks: { ...hf.clocks, cpVisitWorkingDays: 5, cinVisitWorkingDays: 15 } });
    expect(parsed.clocks).toMatchObject({ cpVisitWorkingDays: 5, cinVisitWorkingDays: 15 });
    const tooRare = BoroughSettingsSchema.safeParse({ ...hf, clocks: { ...hf.clocks, cpVisitWorkingDays: 11, cinVisitWorkingDays: 0 } });
    expect(tooRare.success).toBe(false);
    expect(tooRare.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'clocks.cpVisitWorkingDays: must be at most 10 (the London procedures\' maximum between visits to a child on a child protection plan)',
      'clocks.cinVisitWorkingDays: must be at least 1',
    ]);
  });

  it('reports every problem at once, each with its path', async () => {
    const good = await settingsOf('hf');
    const clocks = good.clocks as Record<string, unknown>;
    const escalation = { ...(good.escalation as Record<string, unknown>) };
    delete escalation.ICPC;
    escalation.SCREENING = { counting: 'OFFICE_HOURS', rungs: [{ afterHours: 0, notify: 'TEAM_MANAGER' }, { afterHours: 0, notify: 'HEAD_OF_SERVICE' }] };
    escalation.REVIEW = { counting: 'WORKING_DAYS', rungs: [] };
    const bad = {
      ...good,
      clocks: { ...clocks, mash: { RED: { hours: -1, counting: 'OFFICE_HOURS' }, AMBER: { hours: 24, counting: 'OFFICE_HOURS' }, GREEN: { hours: 72, counting: 'CALENDAR_HOURS' } }, icpcWorkingDays: 20 },
      strategyDiscussion: { requiredAgencies: ['CHILDRENS_SOCIAL_CARE', 'HEALTH', 'HEALTH'] },
      escalation,
      caseloadLimit: 0,
      teams: [{ id: 'mash', name: 'MASH', kind: 'MASH' }, { id: 'mash', name: 'Another', kind: 'EARLY_HELP' }],
      outOfHours: { service: 'EDT' },
      colour: 'blue',
    };
    const dir = await configWith({ bad: { settings: { ...bad, code: 'bad' }, thresholds: { ...(JSON.parse(await fs.readFile(path.join(CONFIG_DIR, 'hf', 'thresholds.json'), 'utf8')) as object), borough: 'bad' } } });
    const error = await loadBoroughConfigs(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BoroughConfigError);
    const problems = (error as BoroughConfigError).problems;
    const at = (p: string) => problems.filter((line) => line.startsWith(`bad/borough.json: ${p}: `));
    expect(at('clocks.mash.RED.hours')).toEqual(['bad/borough.json: clocks.mash.RED.hours: must be more than 0']);
    expect(at('clocks.icpcWorkingDays')).toEqual(['bad/borough.json: clocks.icpcWorkingDays: must be at most 15 (the statutory maximum from the strategy discussion)']);
    expect(at('strategyDiscussion.requiredAgencies.2')).toEqual(['bad/borough.json: strategyDiscussion.requiredAgencies.2: HEALTH is listed twice']);
    expect(at('strategyDiscussion.requiredAgencies')).toEqual([expect.stringMatching(/must include POLICE/) as string]);
    expect(at('escalation.ICPC')).toEqual([expect.stringMatching(/missing: every stage needs an escalation ladder/) as string]);
    expect(at('escalation.SCREENING.rungs.1.afterHours')).toEqual([expect.stringMatching(/must be later than the rung before \(0 hours\)/) as string]);
    expect(at('escalation.REVIEW.counting')).toHaveLength(1);
    expect(at('escalation.REVIEW.rungs')).toEqual([expect.stringMatching(/needs at least one rung/) as string]);
    expect(at('caseloadLimit')).toEqual(['bad/borough.json: caseloadLimit: must be at least 1']);
    expect(at('teams.1.id')).toEqual([expect.stringMatching(/duplicate team id "mash" \(also teams\[0\]\)/) as string]);
    expect(at('teams')).toEqual([expect.stringMatching(/needs at least one LOCALITY team/) as string]);
    expect(at('outOfHours.escalationContact')).toHaveLength(1);
    expect(at('(file)')).toEqual([expect.stringMatching(/Unrecognized key: "colour"/) as string]);
    expect(problems.filter((line) => line.startsWith('bad/'))).toHaveLength(13);
  });

  it('refuses at start-up a ruleset with a rule that can never fire, naming the file and path', async () => {
    const thresholds = JSON.parse(await fs.readFile(path.join(CONFIG_DIR, 'hf', 'thresholds.json'), 'utf8')) as { rules: { id: string; conditions: unknown }[] };
    thresholds.rules[1]!.conditions = { all: [{ fact: 'anyChildUnder1', operator: 'equal', value: true }, { fact: 'anyChildUnder5', operator: 'equal', value: false }] };
    const dir = await configWith({ odd: { settings: { ...(await settingsOf('hf')), code: 'odd' }, thresholds: { ...thresholds, borough: 'odd' } } });
    const error = await loadBoroughConfigs(dir).catch((e: unknown) => e);
    expect((error as BoroughConfigError).problems).toEqual([expect.stringMatching(/^odd\/thresholds\.json: rules\[1\]\.conditions: rule "inj-u1" can never fire/) as string]);
  });
});

describe('a fourth borough', () => {
  it('is a new folder and nothing else', async () => {
    const settings = { ...(await settingsOf('wcc')), code: 'ealing', name: 'Ealing (test)', caseloadLimit: 15 };
    const thresholds = { ...(JSON.parse(await fs.readFile(path.join(CONFIG_DIR, 'hf', 'thresholds.json'), 'utf8')) as object), borough: 'ealing', name: 'Ealing test rules' };
    const boroughs = await loadBoroughConfigs(await configWith({ ealing: { settings, thresholds } }));
    expect([...boroughs.keys()]).toEqual(['ealing', 'hf', 'rbkc', 'wcc']);
    const ealing = boroughs.get('ealing')!;
    expect(ealing).toMatchObject({ code: 'ealing', name: 'Ealing (test)', settings: { caseloadLimit: 15 }, ruleset: { borough: 'ealing', name: 'Ealing test rules' } });
    expect(ealing.calendar.bankHolidays.has('2026-12-25')).toBe(true);
  });
});
