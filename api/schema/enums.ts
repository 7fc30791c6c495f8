import { AGENCIES, CONCERN_INDICATORS, CONSENT_STATES, CONSENT_STATUSES, CONTACT_CHANNELS, CONTACT_STATUSES, PATHWAYS, RAG_RATINGS, REFERRER_TYPE_NAMES } from '../../rules/vocabulary';
import { CASE_KINDS, CASE_STAGES } from '../../db/casework';
import { builder } from '../builder';

// Enums from the shared vocabulary, so the schema and the rules can never disagree.
export const ConcernIndicatorEnum = builder.enumType('ConcernIndicator', { values: CONCERN_INDICATORS, description: 'A structured concern recorded on a contact.' });
export const ReferrerTypeEnum = builder.enumType('ReferrerType', { values: REFERRER_TYPE_NAMES, description: 'Who made the contact; each maps to a DfE CIN census referral source code.' });
export const ConsentStatusEnum = builder.enumType('ConsentStatus', { values: CONSENT_STATUSES, description: 'Consent to multi-agency checks as known on receipt.' });
export const ConsentStateEnum = builder.enumType('ConsentState', {
  values: CONSENT_STATES, description: 'Consent to multi-agency checks as it stands now: as on receipt, or SOUGHT, GIVEN, REFUSED or DISPENSED_WITH since.',
});
export const ContactChannelEnum = builder.enumType('ContactChannel', { values: CONTACT_CHANNELS });
export const ContactStatusEnum = builder.enumType('ContactStatus', { values: CONTACT_STATUSES });
export const PathwayEnum = builder.enumType('Pathway', { values: PATHWAYS, description: 'A screening outcome, from least to most intervention.' });
export const RagEnum = builder.enumType('RagRating', { values: RAG_RATINGS });
export const AgencyEnum = builder.enumType('Agency', { values: AGENCIES, description: 'A partner agency (strategy discussions, MASH requests, plan actions).' });
export const CaseKindEnum = builder.enumType('CaseKind', { values: CASE_KINDS, description: 'CONTACT: a contact at the front door; EPISODE: a child\'s episode after referral.' });
export const CaseStageEnum = builder.enumType('CaseStage', {
  values: CASE_STAGES,
  description: 'Where a case stands. A contact: AWAITING_SCREENING (its status is then RECEIVED, AWAITING_SCREENING or SCREENING_OVERDUE), MASH_ENQUIRY, then REFERRED or CLOSED. An episode: its EpisodeStage (REFERRAL … CLOSED).',
});
