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

// ---- Child characteristics (ChildIdentifiers and ChildCharacteristics of the census) ----

/** Sex, from 2024–25 (not GenderCurrent): M male, F female, U not known or not recorded. */
export const SEXES = { M: 'Male', F: 'Female', U: 'Not known' } as const;
export type Sex = keyof typeof SEXES;

/** Ethnicity, the 20 census codes. */
export const ETHNICITIES = {
  WBRI: 'White British', WIRI: 'White Irish', WIRT: 'Traveller of Irish heritage', WOTH: 'Any other White background', WROM: 'Gypsy/Roma',
  MWBC: 'White and Black Caribbean', MWBA: 'White and Black African', MWAS: 'White and Asian', MOTH: 'Any other mixed background',
  AIND: 'Indian', APKN: 'Pakistani', ABAN: 'Bangladeshi', AOTH: 'Any other Asian background',
  BCRB: 'Black Caribbean', BAFR: 'Black African', BOTH: 'Any other Black background',
  CHNE: 'Chinese', OOTH: 'Any other ethnic group', REFU: 'Refused', NOBT: 'Information not yet obtained',
} as const;
export type Ethnicity = keyof typeof ETHNICITIES;

/** Disabilities: NONE (recorded as no disability) only alone. */
export const DISABILITIES = {
  NONE: 'No disability', MOB: 'Mobility', HAND: 'Hand function', PC: 'Personal care', INC: 'Incontinence', COMM: 'Communication',
  LD: 'Learning', HEAR: 'Hearing', VIS: 'Vision', BEH: 'Behaviour', CON: 'Consciousness', AUT: 'Autism or Asperger syndrome', DDA: 'Other DDA',
} as const;
export type Disability = keyof typeof DISABILITIES;

/**
 * Why a child has no UPN (UPNunknown), UN1–UN7 as the DfE census guide defines them; UN7 is a referral with no further
 * action (rule 8772).
 */
export const UPN_UNKNOWN_REASONS = ['UN1', 'UN2', 'UN3', 'UN4', 'UN5', 'UN6', 'UN7'] as const;
export type UpnUnknownReason = (typeof UPN_UNKNOWN_REASONS)[number];

/** The check-letter alphabet of a UPN: A–Z without I, O and S (23 letters; a remainder of 0 is A, 22 is Z). */
const UPN_LETTERS = 'ABCDEFGHJKLMNPQRTUVWXYZ';

/**
 * The check letter of a UPN (census rule 1510), from its characters 2–13: character n weighted n, summed, modulo 23,
 * as a letter of A–Z less I, O and S. A letter at character 13 (a temporary UPN) counts as its place in that alphabet.
 * Null when characters 2–13 cannot be part of a UPN (12 digits, the last possibly such a letter).
 */
export function upnCheckLetter(upn: string): string | null {
  const rest = upn.slice(1);
  if (!/^[0-9]{11}[0-9ABCDEFGHJKLMNPQRTUVWXYZ]$/.test(rest)) return null;
  let sum = 0;
  for (let i = 0; i < 12; i++) {
    const char = rest[i]!;
    const value = /[0-9]/.test(char) ? Number(char) : UPN_LETTERS.indexOf(char);
    sum += value * (i + 2);
  }
  return UPN_LETTERS[sum % 23]!;
}

/**
 * What is wrong with a UPN (null when it is a valid one): 13 characters, a check letter, 11 digits and a digit or a
 * letter (not I, O or S) (rules 1550/1540), and the first letter the one its other characters give (rule 1510).
 */
export function upnProblem(upn: string): string | null {
  if (!/^[A-Z][0-9]{11}[0-9A-Z]$/.test(upn)) {
    return 'a UPN is 13 characters: a capital letter, 11 digits, and a digit or a capital letter (e.g. H801200001001); check it on the child\'s school record.';
  }
  const expected = upnCheckLetter(upn);
  if (expected === null) return 'the 13th character of a UPN is a digit or a capital letter other than I, O and S (census rule 1550); check it on the child\'s school record.';
  if (expected !== upn[0]) return `the check letter (first character) does not match the rest of the UPN (census rule 1510): a mistyped character? Check it on the child's school record.`;
  return null;
}

/** Characteristics as given on a contact or a step: each field absent (undefined) when not given. */
export interface CharacteristicsInput {
  sex?: string | null;
  ethnicity?: string | null;
  disabilities?: readonly string[] | null;
  upn?: string | null;
  upnUnknown?: string | null;
}

/**
 * Every problem with a child's characteristics as given, each `[field, message]` (empty when they can be recorded):
 * a valid UPN (1510), not both a UPN and a reason it is unknown, disabilities without repeats and NONE only alone.
 * Sex, ethnicity and the codes themselves are checked by their GraphQL enums.
 */
export function characteristicProblems(input: CharacteristicsInput): [field: string, message: string][] {
  const problems: [string, string][] = [];
  if (input.upn != null) {
    const problem = upnProblem(input.upn);
    if (problem) problems.push(['upn', problem]);
  }
  if (input.upn != null && input.upnUnknown != null) {
    problems.push(['upnUnknown', 'give either the UPN or why it is unknown, not both (census ChildIdentifiers); leave upnUnknown out when the UPN is known.']);
  }
  if (input.disabilities != null) {
    const list = input.disabilities;
    if (list.length === 0) problems.push(['disabilities', 'list at least one code; for a child with no disability give [NONE], and leave the field out when it is not known.']);
    if (new Set(list).size !== list.length) problems.push(['disabilities', 'lists a disability more than once; give each code once.']);
    if (list.includes('NONE') && list.length > 1) problems.push(['disabilities', 'NONE (no disability) cannot be combined with other codes; give NONE alone, or only the disabilities.']);
  }
  return problems;
}
