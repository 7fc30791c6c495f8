import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateThresholds, factsFor, parseRuleset, type ContactForRules, type Ruleset } from '../../rules/thresholds';
import { CONCERN_INDICATORS } from '../../rules/vocabulary';

const BOROUGHS = ['hf', 'rbkc', 'wcc'] as const;

function load(borough: string): { ruleset: Ruleset; hash: string } {
  const parsed = parseRuleset(JSON.parse(readFileSync(`borough-config/${borough}/thresholds.json`, 'utf8')), `${borough}/thresholds.json`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems, null, 2));
  return parsed;
}

function contact(overrides: Partial<ContactForRules> = {}): ContactForRules {
  return {
    receivedAt: '2025-03-14T10:30:00Z',
    referrerType: 'HEALTH_VISITOR',
    consent: 'GIVEN',
    indicators: [],
    children: [{ dateOfBirth: '2019-06-01' }],
    ...overrides,
  };
}

/** A small valid ruleset for tests of the machinery rather than of a borough's content. */
function ruleset(rules: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    borough: 'test',
    version: 3,
    name: 'test rules',
    hitPolicy: 'HIGHEST_PRIORITY',
    default: { levelOfNeed: 1, pathway: 'INFORMATION_AND_ADVICE', rag: 'GREEN', explanation: 'nothing to act on' },
    rules,
    ...extra,
  };
}

function rule(id: string, priority: number, levelOfNeed: number, conditions: unknown, pathway = 'MASH_ENQUIRY'): Record<string, unknown> {
  return { id, name: id, priority, conditions, outcome: { levelOfNeed, pathway, rag: 'AMBER' }, explanation: `because ${id}` };
}

describe('borough threshold files', () => {
  it.each(BOROUGHS)('%s parses, with a stable content hash', (borough) => {
    const { ruleset, hash } = load(borough);
    expect(ruleset.borough).toBe(borough);
    expect(ruleset.rules.length).toBeGreaterThanOrEqual(15);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(load(borough).hash).toBe(hash);
  });

  it('the three boroughs have different content hashes', () => {
    expect(new Set(BOROUGHS.map((b) => load(b).hash)).size).toBe(3);
  });
});

describe('evaluateThresholds', () => {
  const hf = load('hf');

  it('recommends a strategy discussion for an injury to a 3-month-old, naming the rule and version', async () => {
    const rec = await evaluateThresholds(hf.ruleset, hf.hash, contact({ indicators: ['PHYSICAL_INJURY'], children: [{ dateOfBirth: '2024-12-10' }] }));
    expect(rec).toMatchObject({ levelOfNeed: 4, pathway: 'STRATEGY_DISCUSSION', rag: 'RED', decidingRuleId: 'inj-u1', rulesetVersion: hf.ruleset.version, rulesetHash: hf.hash });
    expect(rec.summary).toBe(`Level 4, strategy discussion, RED because: physical injury to a child under 1 (rule inj-u1, version ${hf.ruleset.version}); also matched: injury. Family history: no earlier contact about the same child(ren) in the 12 months before this one.`);
    expect(rec.explanation.facts).toMatchObject({ youngestChildAgeMonths: 3, anyChildUnder1: true, indicators: ['PHYSICAL_INJURY'] });
    expect(JSON.parse(JSON.stringify(rec))).toEqual(rec);
  });

  it('shows each condition with its fact value and result, and null where the engine never looked', async () => {
    // A 3-year-old with an injury: the injury condition holds, the under-1 condition is evaluated and fails.
    const injured = await evaluateThresholds(hf.ruleset, hf.hash, contact({ indicators: ['PHYSICAL_INJURY'], children: [{ dateOfBirth: '2022-01-01' }] }));
    expect(injured.decidingRuleId).toBe('injury');
    expect(injured.explanation.rules.find((r) => r.id === 'inj-u1')).toMatchObject({
      fired: false,
      conditions: [
        { path: 'all[0]', fact: 'indicators', operator: 'contains', value: 'PHYSICAL_INJURY', factValue: ['PHYSICAL_INJURY'], result: true },
        { path: 'all[1]', fact: 'anyChildUnder1', operator: 'equal', value: true, factValue: false, result: false },
      ],
    });
    // No injury: indicators are checked first, so the age condition is never evaluated.
    const none = await evaluateThresholds(hf.ruleset, hf.hash, contact({ children: [{ dateOfBirth: '2025-01-01' }] }));
    expect(none.explanation.rules.find((r) => r.id === 'inj-u1')?.conditions).toEqual([
      { path: 'all[0]', fact: 'indicators', operator: 'contains', value: 'PHYSICAL_INJURY', factValue: [], result: false },
      { path: 'all[1]', fact: 'anyChildUnder1', operator: 'equal', value: true, factValue: true, result: null },
    ]);
    expect(none.explanation.rules.map((r) => r.id)).toEqual(hf.ruleset.rules.map((r) => r.id));
  });

  it('applies the default when no rule fires', async () => {
    const rec = await evaluateThresholds(hf.ruleset, hf.hash, contact());
    expect(rec).toMatchObject({ levelOfNeed: 1, pathway: 'INFORMATION_AND_ADVICE', rag: 'GREEN', decidingRuleId: 'default' });
    expect(rec.explanation.decidingRuleId).toBe('default');
    expect(rec.explanation.rules.every((r) => !r.fired)).toBe(true);
    expect(rec.summary).toContain('because: no indicator of additional need recorded (no rule matched: default outcome, version 1)');
  });

  it('recommends early help with consent, and information and advice when the family refuses', async () => {
    const given = await evaluateThresholds(hf.ruleset, hf.hash, contact({ indicators: ['SCHOOL_ATTENDANCE'], consent: 'NOT_SOUGHT' }));
    expect(given).toMatchObject({ levelOfNeed: 2, pathway: 'EARLY_HELP', rag: 'GREEN', decidingRuleId: 'early-help' });
    const refused = await evaluateThresholds(hf.ruleset, hf.hash, contact({ indicators: ['SCHOOL_ATTENDANCE'], consent: 'REFUSED' }));
    expect(refused).toMatchObject({ levelOfNeed: 2, pathway: 'INFORMATION_AND_ADVICE', rag: 'GREEN', decidingRuleId: 'early-help-refused' });
    expect(refused.summary).toMatch(/refused consent and early help is voluntary/);
  });

  it('refused consent does not hold back a safeguarding pathway', async () => {
    const rec = await evaluateThresholds(hf.ruleset, hf.hash, contact({ indicators: ['SCHOOL_ATTENDANCE', 'SEXUAL_ABUSE'], consent: 'REFUSED' }));
    expect(rec).toMatchObject({ pathway: 'STRATEGY_DISCUSSION', decidingRuleId: 'sexual-abuse' });
  });

  it('gives the same contact different recommendations where borough practice differs', async () => {
    const [rbkc, wcc] = [load('rbkc'), load('wcc')];
    const da = contact({ indicators: ['DOMESTIC_ABUSE'], children: [{ dateOfBirth: '2023-05-01' }] });
    expect(await evaluateThresholds(hf.ruleset, hf.hash, da)).toMatchObject({ levelOfNeed: 3, pathway: 'MASH_ENQUIRY', rag: 'AMBER', decidingRuleId: 'da-u5' });
    expect(await evaluateThresholds(wcc.ruleset, wcc.hash, da)).toMatchObject({ levelOfNeed: 4, pathway: 'MASH_ENQUIRY', rag: 'RED', decidingRuleId: 'da-u5' });

    const repeat = contact({ indicators: ['BEHAVIOUR'], previousContactsWithin12Months: 2 });
    expect(await evaluateThresholds(hf.ruleset, hf.hash, repeat)).toMatchObject({ levelOfNeed: 2, pathway: 'EARLY_HELP' });
    expect(await evaluateThresholds(rbkc.ruleset, rbkc.hash, repeat)).toMatchObject({ levelOfNeed: 3, pathway: 'MASH_ENQUIRY', decidingRuleId: 'repeat-l2' });
    expect((await evaluateThresholds(rbkc.ruleset, rbkc.hash, repeat)).summary).toMatch(/\. Family history: 2 earlier contacts about the same child\(ren\) in the 12 months before this one\.$/);
    expect(await evaluateThresholds(hf.ruleset, hf.hash, { ...repeat, previousContactsWithin12Months: 3 })).toMatchObject({ levelOfNeed: 3, decidingRuleId: 'repeat-l2' });
  });

  it('is deterministic: the same input twice gives identical output', async () => {
    const input = contact({ indicators: ['NEGLECT', 'MISSING', 'DOMESTIC_ABUSE', 'BEHAVIOUR'], children: [{ dateOfBirth: '2012-02-02' }, { expectedDateOfBirth: '2025-07-01' }] });
    const [a, b] = [await evaluateThresholds(hf.ruleset, hf.hash, input), await evaluateThresholds(hf.ruleset, hf.hash, input)];
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('gives the same answers when many contacts are evaluated at once', async () => {
    const many = Array.from({ length: 300 }, (_, n) =>
      contact({
        indicators: CONCERN_INDICATORS.filter((_, i) => (n * 7 + i * 13) % 11 === 0),
        consent: n % 3 === 0 ? 'REFUSED' : 'GIVEN',
        previousContactsWithin12Months: n % 4,
        children: [{ dateOfBirth: `20${10 + (n % 15)}-0${1 + (n % 9)}-15` }],
      }),
    );
    const oneByOne = [];
    for (const c of many) oneByOne.push(await evaluateThresholds(hf.ruleset, hf.hash, c));
    expect(await Promise.all(many.map((c) => evaluateThresholds(hf.ruleset, hf.hash, c)))).toEqual(oneByOne);
  });

  it('handles an unborn child: pre-birth concerns, no age, and no baby rules until the due date passes', async () => {
    const unborn = contact({ indicators: ['PARENTAL_SUBSTANCE_MISUSE', 'PHYSICAL_INJURY'], children: [{ expectedDateOfBirth: '2025-06-20' }] });
    expect(factsFor(unborn)).toMatchObject({ anyUnbornChild: true, anyChildUnder1: false, youngestChildAgeMonths: null, childCount: 1 });
    const rec = await evaluateThresholds(hf.ruleset, hf.hash, { ...unborn, indicators: ['PARENTAL_SUBSTANCE_MISUSE'] });
    expect(rec).toMatchObject({ levelOfNeed: 3, pathway: 'S17_ASSESSMENT', decidingRuleId: 'prebirth' });
    // An injury recorded before birth is not an injury to a baby.
    expect((await evaluateThresholds(hf.ruleset, hf.hash, unborn)).decidingRuleId).toBe('injury');
    // The due date has passed and the record has not caught up: treated as a newborn.
    const overdue = factsFor({ ...unborn, receivedAt: '2025-07-02T09:00:00Z' });
    expect(overdue).toMatchObject({ anyUnbornChild: false, anyChildUnder1: true, youngestChildAgeMonths: 0 });
  });

  it('dates ages on the London calendar day of receipt', () => {
    // 23:30 UTC on 31 May 2025 is 00:30 on 1 June in London (BST): the first birthday has arrived.
    const facts = factsFor(contact({ receivedAt: '2025-05-31T23:30:00Z', children: [{ dateOfBirth: '2024-06-01' }] }));
    expect(facts).toMatchObject({ youngestChildAgeMonths: 12, anyChildUnder1: false, anyChildUnder5: true });
  });
});

describe('hit policy', () => {
  const conditions = (indicator: string): unknown => ({ all: [{ fact: 'indicators', operator: 'contains', value: indicator }] });

  async function decide(rules: unknown[]): Promise<string> {
    const parsed = parseRuleset(ruleset(rules));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    return (await evaluateThresholds(parsed.ruleset, parsed.hash, contact({ indicators: ['NEGLECT', 'GANGS'] }))).decidingRuleId;
  }

  it('the highest priority wins', async () => {
    expect(await decide([rule('low', 10, 4, conditions('NEGLECT')), rule('high', 20, 3, conditions('GANGS'))])).toBe('high');
  });

  it('a tie in priority goes to the higher level of need', async () => {
    expect(await decide([rule('level-3', 10, 3, conditions('NEGLECT')), rule('level-4', 10, 4, conditions('GANGS'))])).toBe('level-4');
  });

  it('a tie in priority and level goes to the rule earlier in the file', async () => {
    expect(await decide([rule('first', 10, 3, conditions('GANGS')), rule('second', 10, 3, conditions('NEGLECT'))])).toBe('first');
    expect(await decide([rule('second', 10, 3, conditions('NEGLECT')), rule('first', 10, 3, conditions('GANGS'))])).toBe('second');
  });
});

describe('parseRuleset', () => {
  it('reports every problem at once, each with its path', () => {
    const result = parseRuleset(
      ruleset([
        rule('a', 10, 3, { all: [{ fact: 'childAge', operator: 'lessThan', value: 1 }] }),
        rule('b', 10, 3, { all: [{ fact: 'indicators', operator: 'contains', value: 'NEGLECT' }] }, 'SOCIAL_WORK'),
        rule('a', 10, 3, { any: [{ fact: 'previousContactsWithin12Months', operator: 'bigger', value: 2 }] }),
        rule('d', 10, 3, { not: [{ fact: 'anyChildUnder1', operator: 'equal', value: true }] }),
        rule('e', 10, 3, { all: [{ fact: 'indicators', operator: 'contains', value: 'NEGLECTED' }, { fact: 'anyChildUnder5', operator: 'equal', value: 'yes' }] }),
        rule('f', 10, 2, { all: [{ fact: 'indicators', operator: 'contains', value: 'BEHAVIOUR' }] }, 'EARLY_HELP'),
      ]),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const at = (path: string): string[] => result.problems.filter((p) => p.path === path).map((p) => p.message);
    expect(at('rules[0].conditions.all[0].fact')).toEqual([expect.stringMatching(/unknown fact "childAge"/)]);
    expect(at('rules[1].outcome.pathway')).toHaveLength(1);
    expect(at('rules[2].id')).toEqual(['duplicate rule id "a" (also rules[0])']);
    expect(at('rules[2].conditions.any[0].operator')).toEqual([expect.stringMatching(/unknown operator "bigger"/)]);
    expect(at('rules[3].conditions')).toEqual([expect.stringMatching(/json-rules-engine rejects these conditions: "not" cannot be an array/)]);
    expect(at('rules[4].conditions.all[0].value')).toEqual([expect.stringMatching(/"NEGLECTED" is not one of/)]);
    expect(at('rules[4].conditions.all[1].value')).toEqual([expect.stringMatching(/"yes" is not true or false/)]);
    expect(at('rules[5].conditions')).toEqual([expect.stringMatching(/early help needs consent/)]);
    expect(result.problems).toHaveLength(8);
  });

  it('reports file-level problems with their paths', () => {
    const result = parseRuleset({ borough: 'hf', version: 0, hitPolicy: 'FIRST', default: { levelOfNeed: 5, pathway: 'EARLY_HELP', rag: 'GREEN', explanation: 'x' }, rules: [] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path).sort()).toEqual(['default.levelOfNeed', 'default.pathway', 'hitPolicy', 'name', 'version']);
    expect(parseRuleset([], 'x/thresholds.json')).toEqual({ ok: false, problems: [{ path: '', message: expect.any(String) as string }] });
  });

  it('rejects an operator that does not fit the fact', () => {
    const result = parseRuleset(ruleset([rule('a', 1, 3, { all: [{ fact: 'consent', operator: 'greaterThan', value: 'GIVEN' }] })]));
    expect(result).toEqual({ ok: false, problems: [{ path: 'rules[0].conditions.all[0].operator', message: expect.stringMatching(/does not apply/) as string }] });
  });

  it('hashes content, not formatting or key order', () => {
    const a = parseRuleset(ruleset([rule('a', 1, 3, { all: [{ fact: 'indicators', operator: 'contains', value: 'NEGLECT' }] })]));
    const b = parseRuleset(JSON.parse(JSON.stringify(ruleset([rule('a', 1, 3, { all: [{ value: 'NEGLECT', operator: 'contains', fact: 'indicators' }] })]))) as unknown);
    const c = parseRuleset(ruleset([rule('a', 2, 3, { all: [{ fact: 'indicators', operator: 'contains', value: 'NEGLECT' }] })]));
    if (!a.ok || !b.ok || !c.ok) throw new Error('should parse');
    expect(b.hash).toBe(a.hash);
    expect(c.hash).not.toBe(a.hash);
  });
});
