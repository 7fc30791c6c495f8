import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileRuleset } from '../../rules/compiled';
import { contactFor, describeContact, representativeContacts } from '../../rules/coverage';
import { validateRuleset } from '../../rules/ruleset-validation';
import { evaluateThresholds, factsFor, parseRuleset, type Ruleset } from '../../rules/thresholds';

const BOROUGHS = ['hf', 'rbkc', 'wcc'] as const;

function fileOf(borough: string): unknown {
  return JSON.parse(readFileSync(`borough-config/${borough}/thresholds.json`, 'utf8'));
}

function parsed(json: unknown): { ruleset: Ruleset; hash: string } {
  const result = parseRuleset(json);
  if (!result.ok) throw new Error(JSON.stringify(result.problems, null, 2));
  return result;
}

const leaf = (fact: string, operator: string, value: unknown) => ({ fact, operator, value });
const has = (indicator: string) => leaf('indicators', 'contains', indicator);

function rule(id: string, priority: number, conditions: unknown, outcome: Record<string, unknown> = { levelOfNeed: 3, pathway: 'MASH_ENQUIRY', rag: 'AMBER' }) {
  return { id, name: id, priority, conditions, outcome, explanation: `because ${id}` };
}

function rulesFile(rules: unknown[]): Record<string, unknown> {
  return {
    borough: 'test',
    version: 1,
    name: 'test rules',
    hitPolicy: 'HIGHEST_PRIORITY',
    default: { levelOfNeed: 1, pathway: 'INFORMATION_AND_ADVICE', rag: 'GREEN', explanation: 'nothing to act on' },
    rules,
  };
}

describe('the three boroughs\' rulesets', () => {
  it.each(BOROUGHS)('%s is valid as a whole: every grid contact gets one recommendation and every rule can fire', (borough) => {
    const validation = validateRuleset(fileOf(borough), { borough });
    expect(validation.problems).toEqual([]);
    expect(validation.valid).toBe(true);
    const coverage = validation.coverage!;
    expect(coverage.contactsChecked).toBeGreaterThan(10_000);
    expect(coverage.rules.every((r) => r.fired > 0 && r.decided > 0)).toBe(true);
    // Every grid contact is decided exactly once: by one rule, or by the default.
    expect(coverage.rules.reduce((sum, r) => sum + r.decided, coverage.decidedByDefault)).toBe(coverage.contactsChecked);
  });

  it('is refused for the wrong borough', () => {
    const validation = validateRuleset(fileOf('hf'), { borough: 'wcc' });
    expect(validation.valid).toBe(false);
    expect(validation.problems).toEqual([{ path: 'borough', message: 'is "hf" but this ruleset is for borough "wcc"' }]);
  });
});

describe('the compiled ruleset', () => {
  it.each(BOROUGHS)('agrees with json-rules-engine on the grid for %s (which rules fire, which decides)', async (borough) => {
    const { ruleset, hash } = parsed(fileOf(borough));
    const compiled = compileRuleset(ruleset);
    const grid = representativeContacts(ruleset);
    const sample = grid.filter((_, i) => i % 9 === 0 || i >= grid.length - 500);
    for (const entry of sample) {
      const contact = contactFor(entry);
      // The grid's facts, assembled from parts, are exactly the facts of the contact it stands for.
      expect(entry.facts).toEqual(factsFor(contact));
      const engine = await evaluateThresholds(ruleset, hash, contact);
      const fast = compiled.decide(entry.facts);
      expect({ rule: fast.decidingRuleId, fired: fast.fired }, describeContact(entry)).toEqual({ rule: engine.decidingRuleId, fired: engine.explanation.rules.map((r) => r.fired) });
      expect(fast.outcome).toEqual({ levelOfNeed: engine.levelOfNeed, pathway: engine.pathway, rag: engine.rag });
    }
  });

  it('follows json-rules-engine on its edge cases: a null age compares false, and "not" inverts that', async () => {
    const { ruleset, hash } = parsed(
      rulesFile([
        rule('young', 10, { all: [leaf('youngestChildAgeMonths', 'lessThan', 12)] }),
        rule('not-young', 9, { all: [{ not: leaf('youngestChildAgeMonths', 'lessThan', 12) }, leaf('consent', 'notEqual', 'REFUSED')] }, { levelOfNeed: 2, pathway: 'EARLY_HELP', rag: 'GREEN' }),
      ]),
    );
    const unborn = { receivedAt: '2026-01-15T10:00:00Z', referrerType: 'GP' as const, consent: 'GIVEN' as const, indicators: [], children: [{ expectedDateOfBirth: '2026-04-01' }] };
    const engine = await evaluateThresholds(ruleset, hash, unborn);
    expect(engine.decidingRuleId).toBe('not-young');
    expect(compileRuleset(ruleset).decide(factsFor(unborn))).toMatchObject({ decidingRuleId: 'not-young', fired: [false, true] });
  });
});

describe('coverage and conflicts', () => {
  it('reports every rule that can never fire, with its path', () => {
    const result = validateRuleset(
      rulesFile([
        rule('ok', 10, { all: [has('NEGLECT')] }),
        rule('baby-not-under-5', 20, { all: [leaf('anyChildUnder1', 'equal', true), leaf('anyChildUnder5', 'equal', false)] }),
        rule('between', 30, { all: [leaf('previousContactsWithin12Months', 'greaterThan', 5), leaf('previousContactsWithin12Months', 'lessThan', 3)] }),
        rule('both-ways', 40, { all: [has('GANGS'), leaf('indicators', 'doesNotContain', 'GANGS')] }),
      ]),
    );
    expect(result.valid).toBe(false);
    expect(result.problems.map((p) => p.path)).toEqual(['rules[1].conditions', 'rules[2].conditions', 'rules[3].conditions']);
    expect(result.problems[0]!.message).toMatch(/^rule "baby-not-under-5" can never fire: no contact satisfies all its conditions \(checked \d+ representative contacts/);
    // The rule that can fire did, on some of the representative contacts.
    expect(result.coverage!.rules.find((r) => r.id === 'ok')?.fired).toBeGreaterThan(0);
  });

  it('finds contacts for rules that need unusual combinations, so they are not reported', () => {
    const result = validateRuleset(
      rulesFile([
        rule('many-concerns', 10, { all: [leaf('indicatorCount', 'greaterThanInclusive', 9)] }),
        rule('whole-trio-older-child', 20, { all: [leaf('toxicTrioCount', 'equal', 3), leaf('youngestChildAgeMonths', 'greaterThanInclusive', 150)] }),
        rule('four-children', 30, { all: [leaf('childCount', 'greaterThanInclusive', 4), has('HOMELESSNESS')] }),
        rule('police-or-anonymous', 40, { any: [leaf('referrerType', 'equal', 'POLICE'), { all: [leaf('anonymousReferrer', 'equal', true), has('MISSING')] }] }),
        rule('not-professional-repeat', 50, { all: [{ not: leaf('referrerIsProfessional', 'equal', true) }, leaf('previousContactsWithin12Months', 'greaterThan', 7)] }),
        rule('unborn-only', 60, { all: [leaf('anyUnbornChild', 'equal', true), leaf('youngestChildAgeMonths', 'equal', null), { not: { any: [has('NEGLECT'), has('GANGS')] } }] }),
      ]),
    );
    expect(result.problems).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('reports each tie that only file order would break, between different outcomes, naming both rules and a contact', () => {
    const result = validateRuleset(
      rulesFile([
        rule('neglect', 10, { all: [has('NEGLECT')] }),
        rule('young-carer', 10, { all: [has('YOUNG_CARER')] }, { levelOfNeed: 3, pathway: 'S17_ASSESSMENT', rag: 'GREEN' }),
        // The same priority, level and outcome as "neglect": whichever of the two wins, the recommendation is the same.
        rule('missing', 10, { all: [has('MISSING')] }),
      ]),
    );
    expect(result.valid).toBe(false);
    expect(result.problems).toEqual([
      {
        path: 'rules[1].priority',
        message: expect.stringMatching(
          /^rules "neglect" and "young-carer" both fire for a contact with indicators NEGLECT, YOUNG_CARER; .+, with the same priority \(10\) and level of need \(3\) but different outcomes \(MASH_ENQUIRY AMBER; S17_ASSESSMENT GREEN\), so only their order in the file decides/,
        ) as string,
      },
      { path: 'rules[2].priority', message: expect.stringMatching(/^rules "young-carer" and "missing" both fire/) as string },
    ]);
  });

  it('does not report rules that tie but can never fire together', () => {
    const result = validateRuleset(
      rulesFile([
        rule('with-consent', 10, { all: [has('BEHAVIOUR'), leaf('consent', 'notEqual', 'REFUSED')] }, { levelOfNeed: 2, pathway: 'EARLY_HELP', rag: 'GREEN' }),
        rule('refused', 10, { all: [has('BEHAVIOUR'), leaf('consent', 'equal', 'REFUSED')] }, { levelOfNeed: 2, pathway: 'INFORMATION_AND_ADVICE', rag: 'GREEN' }),
      ]),
    );
    expect(result.problems).toEqual([]);
  });

  it('warns, without blocking, about a rule that fires but never decides', () => {
    const result = validateRuleset(rulesFile([rule('any-neglect', 100, { all: [has('NEGLECT')] }), rule('neglect-baby', 50, { all: [has('NEGLECT'), leaf('anyChildUnder1', 'equal', true)] })]));
    expect(result.valid).toBe(true);
    expect(result.warnings).toEqual([{ path: 'rules[1]', message: expect.stringMatching(/^rule "neglect-baby" fires \(for \d+ grid contacts\) but never decides: a rule of higher priority always wins, e.g. "any-neglect"$/) as string }]);
  });

  it('reports an empty "any" (json-rules-engine treats it as always true)', () => {
    const result = validateRuleset(rulesFile([rule('empty', 10, { all: [has('NEGLECT'), { any: [] }] })]));
    expect(result.valid).toBe(false);
    expect(result.problems).toEqual([{ path: 'rules[0].conditions.all[1].any', message: expect.stringMatching(/empty "any" holds for every contact/) as string }]);
  });

  it('reports parse problems and coverage problems together only once the ruleset parses', () => {
    const result = validateRuleset(rulesFile([rule('bad', 10, { all: [leaf('childAge', 'lessThan', 1)] })]));
    expect(result).toMatchObject({ valid: false, coverage: null });
    expect(result.problems.map((p) => p.path)).toEqual(['rules[0].conditions.all[0].fact']);
  });
});
