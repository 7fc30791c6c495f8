/**
 * The DfE Children in Need census code sets an episode records, and the census rules checked when they are entered
 * (rule numbers are the community validator's; see CIN-CODES.md). Pure data and functions: safe in workflows.
 */

/** PrimaryNeedCode: the main reason the child needs services. Required on every referral that is not NFA (8610). */
export const PRIMARY_NEED_CODES = {
  N0: 'Not stated',
  N1: 'Abuse or neglect',
  N2: "Child's disability",
  N3: 'Parental disability or illness',
  N4: 'Family in acute stress',
  N5: 'Family dysfunction',
  N6: 'Socially unacceptable behaviour',
  N7: 'Low income',
  N8: 'Absent parenting',
  N9: 'Cases other than children in need',
} as const;
export type PrimaryNeedCode = keyof typeof PRIMARY_NEED_CODES;

/** ReasonForClosure of an episode. A closure date always has a reason and a reason a date (8805/8810). */
export const REASONS_FOR_CLOSURE = {
  RC1: 'Adopted',
  RC2: 'Died',
  RC3: 'Child arrangements order',
  RC4: 'Special guardianship order',
  RC5: 'Transferred to another local authority',
  RC6: 'Transferred to adult social care',
  RC7: 'Services ceased for any other reason, including no longer in need',
  RC8: 'Case closed after assessment, no further action',
  RC9: 'Case closed after assessment, referred to early help',
} as const;
export type ReasonForClosure = keyof typeof REASONS_FOR_CLOSURE;

/** Category of abuse on a child protection plan. */
export const CATEGORIES_OF_ABUSE = {
  NEG: 'Neglect',
  PHY: 'Physical abuse',
  SAB: 'Sexual abuse',
  EMO: 'Emotional abuse',
  MUL: 'Multiple / not recommended',
} as const;
export type CategoryOfAbuse = keyof typeof CATEGORIES_OF_ABUSE;

const ABOUT = { A: 'the child', B: 'a parent or carer', C: 'another person in the household' } as const;
const byPerson = (code: string, what: string) =>
  Object.fromEntries((['A', 'B', 'C'] as const).map((suffix) => [`${code}${suffix}`, `${what}: ${ABOUT[suffix]}`]));

/** Factors identified at the end of an assessment (AssessmentFactors), current codes only. */
export const ASSESSMENT_FACTORS: Readonly<Record<string, string>> = {
  ...byPerson('1', 'Alcohol misuse'),
  ...byPerson('2', 'Drug misuse'),
  ...byPerson('3', 'Domestic violence'),
  ...byPerson('4', 'Mental health'),
  ...byPerson('5', 'Learning disability'),
  ...byPerson('6', 'Physical disability or illness'),
  '7A': 'Young carer',
  '8B': 'Privately fostered: overseas, intending to return',
  '8C': 'Privately fostered: overseas, intending to stay',
  '8D': 'Privately fostered: UK, educational placement',
  '8E': 'Privately fostered: UK, alternative family arrangement',
  '8F': 'Privately fostered: other',
  '9A': 'Unaccompanied asylum-seeking child',
  '10A': 'Going or being missing',
  '11A': 'Child sexual exploitation',
  '12A': 'Trafficking',
  '13A': 'Gangs',
  '14A': 'Socially unacceptable behaviour',
  '15A': 'Self-harm',
  '16A': 'Neglect',
  '17A': 'Emotional abuse',
  '18B': 'Physical abuse: child on child',
  '18C': 'Physical abuse: adult on child',
  '19B': 'Sexual abuse: child on child',
  '19C': 'Sexual abuse: adult on child',
  '20': 'Other',
  '21': 'No factors identified',
  '22A': 'Female genital mutilation',
  '23A': 'Abuse linked to faith or belief',
  '24A': 'Child criminal exploitation',
};

/** Legacy factor codes the census queries (8945Q, 8950Q) and what to record instead. */
const LEGACY_FACTORS: Readonly<Record<string, { query: string; what: string; instead: [string, string] }>> = {
  '18A': { query: '8945Q', what: 'physical abuse', instead: ['18B', '18C'] },
  '19A': { query: '8950Q', what: 'sexual abuse', instead: ['19B', '19C'] },
};

const NO_FACTORS = '21';

/** The factor codes as stored: trimmed and upper-cased ("3b " is 3B). */
export function normaliseFactors(codes: readonly string[]): string[] {
  return codes.map((code) => code.trim().toUpperCase());
}

/**
 * Every problem with the factors identified at the end of an assessment, each a sentence a caseworker can act on
 * (empty when they can be recorded): required (8897Q), known codes only, legacy 18A/19A refused with their
 * replacements named (8945Q/8950Q), no repeats (8898), and 21 "no factors" never combined with others (8869).
 */
export function assessmentFactorProblems(codes: readonly string[]): string[] {
  const factors = normaliseFactors(codes);
  if (factors.length === 0) {
    return ['factors: list the factors identified by the assessment as CIN codes (e.g. 3B domestic violence by a parent or carer, 16A neglect); if there were none, give 21 (census rule 8897Q).'];
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const code of factors) {
    const legacy = LEGACY_FACTORS[code];
    if (legacy) {
      const [child, adult] = legacy.instead;
      problems.push(`factors: ${code} is a legacy code (census query ${legacy.query}); record ${legacy.what} as ${child} (child on child) or ${adult} (adult on child).`);
    } else if (!(code in ASSESSMENT_FACTORS)) {
      problems.push(`factors: "${code}" is not a CIN assessment factor code; use codes such as 1B (alcohol misuse by a parent or carer), 16A (neglect) or 21 (no factors identified).`);
    } else if (seen.has(code)) {
      problems.push(`factors: ${code} is listed more than once (census rule 8898); give each factor once.`);
    }
    seen.add(code);
  }
  if (seen.has(NO_FACTORS) && seen.size > 1) {
    problems.push('factors: 21 (no factors identified) cannot be combined with other factors (census rule 8869); remove 21, or the other codes.');
  }
  return problems;
}

export function isPrimaryNeed(code: string): code is PrimaryNeedCode {
  return Object.hasOwn(PRIMARY_NEED_CODES, code);
}

export function isCategoryOfAbuse(code: string): code is CategoryOfAbuse {
  return Object.hasOwn(CATEGORIES_OF_ABUSE, code);
}

export function isReasonForClosure(code: string): code is ReasonForClosure {
  return Object.hasOwn(REASONS_FOR_CLOSURE, code);
}

/** Reasons that end an episode because the child has left its scope, whatever the assessment: RC1–RC6. */
const CHILD_HAS_LEFT: readonly ReasonForClosure[] = ['RC1', 'RC2', 'RC3', 'RC4', 'RC5', 'RC6'];

/**
 * Why an episode cannot close with this reason (null when it can). The code must be RC1–RC9. Closing needs a
 * completed assessment (DOMAIN.md's census invariant), except for a referral concluded with no further action and
 * for the child having left (RC1–RC6); RC8/RC9 ("closed after assessment") always need one (census query 8825Q).
 */
export function closureReasonProblem(reason: string, episode: { assessmentCompleted: boolean; referralNfa: boolean }): string | null {
  if (!isReasonForClosure(reason)) {
    return `reason: "${reason}" is not a CIN reason for closure; use RC1–RC9 (e.g. RC7 services ceased, RC8 closed after assessment with no further action).`;
  }
  if ((reason === 'RC8' || reason === 'RC9') && !episode.assessmentCompleted) {
    return `reason: ${reason} (${REASONS_FOR_CLOSURE[reason].toLowerCase()}) needs a completed assessment in this episode (census query 8825Q), and there is none; complete the assessment first${episode.referralNfa ? ', or use RC7' : ''}.`;
  }
  if (!episode.assessmentCompleted && !episode.referralNfa && !CHILD_HAS_LEFT.includes(reason)) {
    return `reason: this episode has no completed assessment, and closing it with ${reason} needs one; complete the assessment first. Without one, only RC1–RC6 apply (adopted, died, a court order, or transferred), or a strategy discussion that concludes no further action.`;
  }
  return null;
}
