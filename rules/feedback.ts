import { PATHWAYS, type Pathway, type ReferrerType } from './vocabulary';

/** Who hears back, and how much they may be told. */
export type FeedbackAudience = 'PROFESSIONAL' | 'MEMBER_OF_PUBLIC';

const MEMBERS_OF_PUBLIC: readonly ReferrerType[] = ['FAMILY_MEMBER', 'ACQUAINTANCE', 'SELF', 'MEMBER_OF_PUBLIC'];
const NO_FEEDBACK: readonly ReferrerType[] = ['ANONYMOUS', 'UNKNOWN'];

const PROFESSIONAL_OUTCOME: Record<Pathway, string> = {
  NO_FURTHER_ACTION: 'no further action will be taken by children\'s social care',
  INFORMATION_AND_ADVICE: 'information and advice will be given; no further action by children\'s social care',
  UNIVERSAL_SERVICES: 'universal services are best placed to meet the child\'s needs',
  EARLY_HELP: 'the family will be offered early help',
  MASH_ENQUIRY: 'multi-agency checks are being made in the MASH',
  S17_ASSESSMENT: 'a social work assessment (section 17) will be carried out',
  STRATEGY_DISCUSSION: 'a strategy discussion will be held',
  IMMEDIATE_PROTECTION: 'action is being taken to protect the child now',
};

/**
 * The feedback a referrer is owed on a screening decision, or null when none is (anonymous or unknown referrers).
 * Professionals hear the outcome, and the reasons when no further action is taken; members of the public hear
 * only that the concern was considered and acted on as appropriate (confidentiality).
 */
export function referrerFeedback(referrer: ReferrerType, pathway: Pathway, rationale: string): { audience: FeedbackAudience; text: string } | null {
  if (NO_FEEDBACK.includes(referrer)) return null;
  if (MEMBERS_OF_PUBLIC.includes(referrer)) {
    return {
      audience: 'MEMBER_OF_PUBLIC',
      text: 'Thank you for telling us about your concern. It has been considered by children\'s services and acted on as appropriate. We cannot share details about a family, to protect their privacy.',
    };
  }
  const closing = PATHWAYS.indexOf(pathway) <= PATHWAYS.indexOf('UNIVERSAL_SERVICES') ? ` Reasons: ${rationale}` : '';
  return { audience: 'PROFESSIONAL', text: `Thank you for your referral. Outcome: ${PROFESSIONAL_OUTCOME[pathway]}.${closing}` };
}

/** Why a referrer is owed no feedback, or null when they are owed some. */
export function noFeedbackReason(referrer: ReferrerType): string | null {
  if (referrer === 'ANONYMOUS') return 'The referrer is anonymous: there is no one to tell.';
  if (referrer === 'UNKNOWN') return 'The referrer is not known: there is no one to tell.';
  return null;
}
