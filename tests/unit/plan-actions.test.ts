import { describe, expect, it } from 'vitest';
import { isCalendarDate, planActionProblems, vaguePhraseIn, type PlanActionDraft } from '../../rules/plan-actions';

const TODAY = '2026-11-26';
const good: PlanActionDraft = {
  description: 'School to send weekly attendance figures to the social worker every Friday',
  responsibleAgency: 'EDUCATION',
  responsiblePerson: 'Ms Patel, designated safeguarding lead',
  dueDate: '2026-12-18',
  intendedOutcome: 'Sam attends at least 95% of sessions this term',
};
const problems = (change: Partial<PlanActionDraft>, context: Parameters<typeof planActionProblems>[1] = { today: TODAY }) => planActionProblems({ ...good, ...change }, context);
const fields = (change: Partial<PlanActionDraft>) => problems(change).map((p) => p.field);

describe('a plan action', () => {
  it('is accepted when specific, owned, dated and with an outcome', () => {
    expect(problems({})).toEqual([]);
    expect(problems({ responsiblePerson: null })).toEqual([]);
    expect(problems({ dueDate: TODAY })).toEqual([]);
  });

  it.each([
    ['Monitor the situation closely at home', 'monitor'],
    ['Social worker to continue to visit the family', 'continue to'],
    ['Health visitor to visit the family as appropriate', 'as appropriate'],
    ['Police to share information as needed with the school', 'as needed'],
    ['Ongoing work with mother on her drinking', 'ongoing'],
    ['Family support worker to support the family at home', 'support the family'],
    ['Discuss housing options with mother at the next review', 'next review'],
  ])('refuses the vague description "%s" (%s)', (description, phrase) => {
    const [problem] = problems({ description });
    expect(problem).toMatchObject({ field: 'description' });
    expect(problem!.message).toContain(`"${phrase}" is too vague`);
  });

  it('refuses a description too short to say what will be done', () => {
    expect(problems({ description: 'Visits' })[0]).toMatchObject({ field: 'description', message: expect.stringMatching(/too short/) as string });
    expect(problems({ description: '   ' })[0]).toMatchObject({ field: 'description', message: expect.stringMatching(/say what will be done/) as string });
  });

  it('needs a responsible agency from the list, and a named person when it is OTHER', () => {
    expect(problems({ responsibleAgency: 'Everyone' })[0]).toMatchObject({ field: 'responsibleAgency', message: expect.stringMatching(/"Everyone" is not an agency.*HEALTH/) as string });
    expect(fields({ responsibleAgency: 'OTHER', responsiblePerson: null })).toEqual(['responsiblePerson']);
    expect(problems({ responsibleAgency: 'OTHER', responsiblePerson: 'Mr Jones, youth worker' })).toEqual([]);
  });

  it.each(['next review', 'ongoing', 'TBC', '', '2026-02-30', '18/12/2026'])('refuses the due date "%s" with the reason', (dueDate) => {
    const [problem] = problems({ dueDate });
    expect(problem).toMatchObject({ field: 'dueDate', message: expect.stringMatching(/needs the date it must be done by \(YYYY-MM-DD\)/) as string });
  });

  it('refuses a due date already past, or after the case closed', () => {
    expect(problems({ dueDate: '2026-11-25' })[0]!.message).toBe('2026-11-25 has already passed; give a date from today (2026-11-26) on.');
    expect(problems({ dueDate: '2027-01-10' }, { today: TODAY, closedOn: '2027-01-01' })[0]!.message).toMatch(/after the case closed \(2027-01-01\)/);
  });

  it('needs an intended outcome, unless the context does not (strategy discussion actions)', () => {
    expect(fields({ intendedOutcome: null })).toEqual(['intendedOutcome']);
    expect(fields({ intendedOutcome: 'Better' })).toEqual(['intendedOutcome']);
    expect(fields({ intendedOutcome: 'Mother continues to engage as appropriate' })).toEqual(['intendedOutcome']);
    expect(problems({ intendedOutcome: null }, { today: TODAY, outcomeRequired: false })).toEqual([]);
  });

  it('reports every problem at once', () => {
    expect(fields({ description: 'Monitor', responsibleAgency: 'x', dueDate: 'next review', intendedOutcome: '' })).toEqual(['description', 'responsibleAgency', 'dueDate', 'intendedOutcome']);
  });
});

describe('helpers', () => {
  it('matches vague phrases as whole words', () => {
    expect(vaguePhraseIn('Monitoring of weight')).toBe('monitor');
    expect(vaguePhraseIn('Check the monitoring equipment')).toBe('monitor');
    expect(vaguePhraseIn('Summon the core group')).toBeNull();
  });

  it('knows a real calendar date', () => {
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2027-02-29')).toBe(false);
    expect(isCalendarDate('2027-2-1')).toBe(false);
  });
});
