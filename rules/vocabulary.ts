/**
 * The fixed vocabularies a contact is described in. Pure data: safe to import from workflows, rules, the API
 * and tests alike. Adding a value here is an API change (it shows in the printed schema).
 */

/** Structured concern indicators recorded on a contact (the facts threshold rules reason about). */
export const CONCERN_INDICATORS = [
  'PHYSICAL_INJURY',
  'SEXUAL_ABUSE',
  'EMOTIONAL_ABUSE',
  'NEGLECT',
  'DOMESTIC_ABUSE',
  'PARENTAL_SUBSTANCE_MISUSE',
  'PARENTAL_MENTAL_HEALTH',
  'PARENTAL_LEARNING_DISABILITY',
  'EXPLOITATION',
  'MISSING',
  'TRAFFICKING',
  'GANGS',
  'FEMALE_GENITAL_MUTILATION',
  'RADICALISATION',
  'SELF_HARM',
  'CHILD_MENTAL_HEALTH',
  'CHILD_DISABILITY',
  'YOUNG_CARER',
  'PRIVATE_FOSTERING',
  'UNACCOMPANIED_ASYLUM_SEEKING',
  'HOMELESSNESS',
  'SCHOOL_ATTENDANCE',
  'BEHAVIOUR',
  'FAMILY_CONFLICT',
  'FINANCIAL_HARDSHIP',
  'CHILD_DISCLOSURE',
  'IMMEDIATE_DANGER',
] as const;
export type ConcernIndicator = (typeof CONCERN_INDICATORS)[number];

/** Who made the contact, mapped one-to-one onto the DfE CIN census ReferralSource code. */
export const REFERRER_TYPES = {
  FAMILY_MEMBER: '1A',
  ACQUAINTANCE: '1B',
  SELF: '1C',
  MEMBER_OF_PUBLIC: '1D',
  SCHOOL: '2A',
  EDUCATION_SERVICES: '2B',
  GP: '3A',
  HEALTH_VISITOR: '3B',
  SCHOOL_NURSE: '3C',
  OTHER_PRIMARY_HEALTH: '3D',
  A_AND_E: '3E',
  HEALTH_OTHER: '3F',
  HOUSING: '4',
  LA_SOCIAL_CARE: '5A',
  LA_INTERNAL_OTHER: '5B',
  LA_EXTERNAL: '5C',
  EARLY_HELP: '5D',
  POLICE: '6',
  LEGAL_AGENCY: '7',
  OTHER: '8',
  ANONYMOUS: '9',
  UNKNOWN: '10',
} as const;
export type ReferrerType = keyof typeof REFERRER_TYPES;
export const REFERRER_TYPE_NAMES = Object.keys(REFERRER_TYPES) as ReferrerType[];

/** Consent to multi-agency checks as known when the contact arrives. */
export const CONSENT_STATUSES = ['NOT_SOUGHT', 'GIVEN', 'REFUSED'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

/**
 * Every state a contact's consent can be in once recorded: the receipt states, plus SOUGHT (asked, no answer yet) and
 * DISPENSED_WITH (a manager, for a lawful reason). What a contact shows; a receipt can only say CONSENT_STATUSES.
 */
export const CONSENT_STATES = ['NOT_SOUGHT', 'SOUGHT', 'GIVEN', 'REFUSED', 'DISPENSED_WITH'] as const;
export type ConsentState = (typeof CONSENT_STATES)[number];

/** How the contact reached the front door. */
export const CONTACT_CHANNELS = ['PHONE', 'EMAIL', 'ONLINE_FORM', 'IN_PERSON', 'LETTER', 'OTHER'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

/** Screening outcomes, ordered from least to most intervention. */
export const PATHWAYS = [
  'NO_FURTHER_ACTION',
  'INFORMATION_AND_ADVICE',
  'UNIVERSAL_SERVICES',
  'EARLY_HELP',
  'MASH_ENQUIRY',
  'S17_ASSESSMENT',
  'STRATEGY_DISCUSSION',
  'IMMEDIATE_PROTECTION',
] as const;
export type Pathway = (typeof PATHWAYS)[number];

export const RAG_RATINGS = ['GREEN', 'AMBER', 'RED'] as const;
export type RagRating = (typeof RAG_RATINGS)[number];

/** London continuum of need: 1 universal, 2 additional (early help), 3 complex (CIN), 4 acute (CP). */
export const LEVELS_OF_NEED = [1, 2, 3, 4] as const;
export type LevelOfNeed = (typeof LEVELS_OF_NEED)[number];

/** Where a contact stands on the front door (grows with the casework path). */
export const CONTACT_STATUSES = ['RECEIVED', 'AWAITING_SCREENING', 'SCREENING_OVERDUE', 'SCREENED', 'MASH_ENQUIRY', 'REFERRED', 'CLOSED'] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

/** Borough codes are short lower-case slugs: the folder name under borough-config/. */
export const BOROUGH_CODE_PATTERN = /^[a-z][a-z0-9-]{1,15}$/;

/** Agencies that take part in multi-agency work (strategy discussions, MASH information requests). */
export const AGENCIES = [
  'CHILDRENS_SOCIAL_CARE',
  'POLICE',
  'HEALTH',
  'EDUCATION',
  'REFERRER',
  'EARLY_HELP',
  'PROBATION',
  'HOUSING',
  'YOUTH_OFFENDING',
  'ADULT_MENTAL_HEALTH',
  'MIDWIFERY',
  'OTHER',
] as const;
export type Agency = (typeof AGENCIES)[number];

/** Stages of a case that run against a deadline, each with its own escalation ladder per borough. */
export const ESCALATION_STAGES = [
  'SCREENING',
  'MASH_ENQUIRY',
  'AGENCY_REQUEST',
  'STRATEGY_DISCUSSION',
  'SECTION_47',
  'ICPC',
  'ASSESSMENT',
  'CORE_GROUP',
  'REVIEW',
  'PLAN_ACTION',
  'VISIT',
  'POLICE_PROTECTION',
  'EMERGENCY_PROTECTION_ORDER',
] as const;
export type EscalationStage = (typeof ESCALATION_STAGES)[number];

/** Who an escalation ladder notifies. */
export const ESCALATION_ROLES = [
  'TEAM_MANAGER',
  'SERVICE_MANAGER',
  'HEAD_OF_SERVICE',
  'DIRECTOR',
  'MASH_MANAGER',
  'AGENCY_MASH_LEAD',
  'OUT_OF_HOURS_MANAGER',
] as const;
export type EscalationRole = (typeof ESCALATION_ROLES)[number];

/** How a clock of hours is counted: only office hours (MASH working hours), or every hour of the day. */
export const CLOCK_COUNTINGS = ['OFFICE_HOURS', 'CALENDAR_HOURS'] as const;
export type ClockCounting = (typeof CLOCK_COUNTINGS)[number];

/** The kinds of team a borough runs. */
export const TEAM_KINDS = ['LOCALITY', 'MASH', 'OUT_OF_HOURS', 'EARLY_HELP'] as const;
export type TeamKind = (typeof TEAM_KINDS)[number];

/** Which strategy discussion the 15-working-day ICPC clock runs from. */
export const ICPC_ANCHORS = ['FIRST_STRATEGY_DISCUSSION', 'LAST_STRATEGY_DISCUSSION'] as const;
export type IcpcAnchor = (typeof ICPC_ANCHORS)[number];
