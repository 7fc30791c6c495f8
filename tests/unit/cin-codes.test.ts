import { describe, expect, it } from 'vitest';
import {
  ASSESSMENT_FACTORS, assessmentFactorProblems, CATEGORIES_OF_ABUSE, characteristicProblems, closureReasonProblem, isCategoryOfAbuse, isPrimaryNeed, normaliseFactors, PRIMARY_NEED_CODES, REASONS_FOR_CLOSURE, upnCheckLetter, upnProblem,
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

describe('UPN check letter (census rule 1510)', () => {
  // Valid UPNs from the DfE's Unique Pupil Numbers guidance (H801200001001, and the temporary G80120000101A) and the
  // community validator's own rule 1510 test (A950000178301, H243278544154); invalid ones from the same sources.
  it('accepts real UPNs, permanent and temporary, giving their check letter', () => {
    for (const upn of ['H801200001001', 'G80120000101A', 'A950000178301', 'H243278544154']) {
      expect(upnCheckLetter(upn)).toBe(upn[0]);
      expect(upnProblem(upn)).toBeNull();
    }
  });

  it('refuses a wrong check letter, naming the rule', () => {
    expect(upnCheckLetter('R247962919251')).toBe('Q');
    for (const upn of ['Z801200001001', 'R247962919251', 'X428558133462']) expect(upnProblem(upn)).toMatch(/check letter .*census rule 1510/);
  });

  it('detects a single mistyped digit', () => {
    expect(upnProblem('H801200001002')).toMatch(/1510/);
  });

  it('gives remainders 21 and 22 as Y and Z (the alphabet is A–Z less I, O and S)', () => {
    // Characters 2–13 weighted 2–13: a single 1 at character n sums to n; 000000000001 at the end sums to 13 (P).
    expect(upnCheckLetter('?000000000001')).toBe('P');
    // 1 at character 10 (weight 10) and 1 at 12 (weight 12): 22, the last letter, Z; 1 at 9 and 12: 21, Y.
    expect(upnCheckLetter('?000000001010')).toBe('Z');
    expect(upnCheckLetter('?000000010010')).toBe('Y');
  });

  it('refuses what is not shaped like a UPN, or a 13th character I, O or S (1550)', () => {
    for (const upn of ['H80120000100', 'h801200001001', 'H80120000100AA', 'HH01200001001', '']) expect(upnProblem(upn)).toMatch(/13 characters/);
    expect(upnProblem('H80120000100I')).toMatch(/1550/);
    expect(upnCheckLetter('H80120000100S')).toBeNull();
  });
});

describe('child characteristics as given', () => {
  it('accepts a full, consistent set, or nothing', () => {
    expect(characteristicProblems({ sex: 'F', ethnicity: 'WBRI', disabilities: ['MOB', 'AUT'], upn: 'H801200001001' })).toEqual([]);
    expect(characteristicProblems({ upnUnknown: 'UN4', disabilities: ['NONE'] })).toEqual([]);
    expect(characteristicProblems({})).toEqual([]);
  });

  it('refuses a UPN and a reason it is unknown together', () => {
    expect(characteristicProblems({ upn: 'H801200001001', upnUnknown: 'UN1' })).toEqual([['upnUnknown', expect.stringMatching(/either the UPN or why it is unknown/)]]);
  });

  it('refuses NONE with another code, repeats and an empty list', () => {
    expect(characteristicProblems({ disabilities: ['NONE', 'MOB'] })).toEqual([['disabilities', expect.stringMatching(/NONE .* cannot be combined/)]]);
    expect(characteristicProblems({ disabilities: ['MOB', 'MOB'] })).toEqual([['disabilities', expect.stringMatching(/more than once/)]]);
    expect(characteristicProblems({ disabilities: [] })).toEqual([['disabilities', expect.stringMatching(/at least one code/)]]);
  });

  it('names the UPN field for a bad check letter', () => {
    expect(characteristicProblems({ upn: 'Z801200001001' })).toEqual([['upn', expect.stringMatching(/1510/)]]);
  });
});
