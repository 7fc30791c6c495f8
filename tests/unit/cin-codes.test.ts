import { describe, expect, it } from 'vitest';
import {
  ASSESSMENT_FACTORS, assessmentFactorProblems, CATEGORIES_OF_ABUSE, closureReasonProblem, isCategoryOfAbuse, isPrimaryNeed, normaliseFactors, PRIMARY_NEED_CODES, REASONS_FOR_CLOSURE,
} from '../../rules/cin-codes';

describe('assessment factors (CIN census AssessmentFactors)', () => {
  it('accepts current codes, about the child, a parent or carer, or another person', () => {
    expect(assessmentFactorProblems(['1B', '3A', '3C', '16A', '18B', '19C', '24A'])).toEqual([]);
    expect(assessmentFactorProblems(['21'])).toEqual([]);
  });

  it('reads codes case- and space-insensitively', () => {
    expect(normaliseFactors([' 3b', '16a '])).toEqual(['3B', '16A']);
    expect(assessmentFactorProblems([' 3b', '16a '])).toEqual([]);
  });

  it('requires at least one factor, pointing at 21 when there were none (8897Q)', () => {
    const [problem] = assessmentFactorProblems([]);
    expect(problem).toMatch(/^factors: .*21.*8897Q/);
  });

  it('refuses the legacy 18A and 19A, naming their replacements (8945Q, 8950Q)', () => {
    expect(assessmentFactorProblems(['18A'])).toEqual([expect.stringMatching(/18A is a legacy code \(census query 8945Q\).*18B \(child on child\) or 18C \(adult on child\)/)]);
    expect(assessmentFactorProblems(['19a'])).toEqual([expect.stringMatching(/19A is a legacy code \(census query 8950Q\).*19B.*19C/)]);
  });

  it('refuses a repeated factor (8898)', () => {
    expect(assessmentFactorProblems(['3B', '16A', '3b'])).toEqual([expect.stringMatching(/3B is listed more than once \(census rule 8898\)/)]);
  });

  it('never combines 21 "no factors identified" with others (8869)', () => {
    expect(assessmentFactorProblems(['21', '3B'])).toEqual([expect.stringMatching(/21 \(no factors identified\) cannot be combined.*8869/)]);
  });

  it('refuses codes that are not factors, and reports every problem at once', () => {
    const problems = assessmentFactorProblems(['99Z', '18A', '21']);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/"99Z" is not a CIN assessment factor code/);
  });

  it('knows every code in CIN-CODES.md and no legacy one', () => {
    for (const code of ['1A', '6C', '7A', '8B', '8F', '9A', '15A', '17A', '20', '22A', '23A']) expect(ASSESSMENT_FACTORS[code]).toBeTruthy();
    expect(ASSESSMENT_FACTORS['18A']).toBeUndefined();
    expect(ASSESSMENT_FACTORS['8A']).toBeUndefined();
  });
});

describe('reasons for closure', () => {
  const assessed = { assessmentCompleted: true, referralNfa: false };
  const unassessed = { assessmentCompleted: false, referralNfa: false };
  const nfa = { assessmentCompleted: false, referralNfa: true };

  it('accepts RC1–RC9 after a completed assessment', () => {
    expect(Object.keys(REASONS_FOR_CLOSURE)).toEqual(['RC1', 'RC2', 'RC3', 'RC4', 'RC5', 'RC6', 'RC7', 'RC8', 'RC9']);
    for (const reason of Object.keys(REASONS_FOR_CLOSURE)) expect(closureReasonProblem(reason, assessed)).toBeNull();
  });

  it('needs a completed assessment for RC8 and RC9 (8825Q), even after an NFA referral', () => {
    expect(closureReasonProblem('RC8', unassessed)).toMatch(/RC8 .* needs a completed assessment.*8825Q/);
    expect(closureReasonProblem('RC9', nfa)).toMatch(/RC9 .*8825Q.*or use RC7/);
  });

  it('needs a completed assessment to close at all, unless the referral was NFA or the child has left (RC1–RC6)', () => {
    expect(closureReasonProblem('RC7', unassessed)).toMatch(/no completed assessment, and closing it with RC7 needs one.*RC1–RC6/);
    expect(closureReasonProblem('RC7', nfa)).toBeNull();
    for (const reason of ['RC1', 'RC2', 'RC3', 'RC4', 'RC5', 'RC6']) expect(closureReasonProblem(reason, unassessed)).toBeNull();
  });

  it('refuses anything else', () => {
    expect(closureReasonProblem('RC10', assessed)).toMatch(/"RC10" is not a CIN reason for closure/);
  });
});

describe('primary need and category of abuse', () => {
  it('knows N0–N9', () => {
    expect(Object.keys(PRIMARY_NEED_CODES)).toHaveLength(10);
    expect(isPrimaryNeed('N0')).toBe(true);
    expect(isPrimaryNeed('N10')).toBe(false);
  });

  it('knows NEG, PHY, SAB, EMO and MUL', () => {
    expect(Object.keys(CATEGORIES_OF_ABUSE)).toEqual(['NEG', 'PHY', 'SAB', 'EMO', 'MUL']);
    expect(isCategoryOfAbuse('PHY')).toBe(true);
    expect(isCategoryOfAbuse('phy')).toBe(false);
  });
});
