import { defineSignal } from '@temporalio/workflow';
import type { LevelOfNeed, RagRating } from '../rules/vocabulary';

/** Pathways that make a contact a referral to children's social care, opening (or joining) each child's episode. */
export const REFERRAL_PATHWAYS = ['S17_ASSESSMENT', 'STRATEGY_DISCUSSION', 'IMMEDIATE_PROTECTION'] as const;
export type ReferralPathway = (typeof REFERRAL_PATHWAYS)[number];

/** One child's referral, sent by the contact workflow to that child's episode workflow. */
export interface Referral {
  borough: string;
  contactId: string;
  contactReference: string;
  childPosition: number;
  /** The child's identity across contacts (borough, names, date of birth). */
  childId: string;
  child: { firstName: string; lastName: string; dateOfBirth: string | null; expectedDateOfBirth: string | null };
  /** ISO instant of the decision that made this a referral: the CIN referral date. */
  referralAt: string;
  pathway: ReferralPathway;
  levelOfNeed: LevelOfNeed;
  rag: RagRating;
  decidedBy: string;
  rationale: string;
  /** DfE CIN census ReferralSource code of the contact's referrer. */
  referralSourceCode: string;
  /** DfE CIN census PrimaryNeedCode (N0–N9) given at the decision. */
  primaryNeed: string;
}

/** The workflow type name of a child's episode (the episode workflow module exports a function of this name). */
export const EPISODE_WORKFLOW_TYPE = 'episodeWorkflow';

/** A referral for a child whose episode is open joins it; otherwise it starts a new episode (signal-with-start). */
export const referralSignal = defineSignal<[Referral]>('referral');

/** Input of an episode workflow: which child, in which borough. Referrals arrive by `referralSignal`. */
export interface EpisodeWorkflowInput {
  borough: string;
  childId: string;
}

/** One workflow id per child: Temporal itself guarantees at most one open episode per child. */
export function episodeWorkflowId(childId: string): string {
  return `episode-${childId}`;
}
