import { appendEvent, closeTasks, insertCase, openTask, updateCase, type TaskInput } from './casework';
import type { Sql, Tx } from './sql';

// The episode store. An episode's writes arrive in numbered batches (applyEpisodeWrites): each batch is one
// transaction, applied once and strictly in the order the workflow made them, whatever order its activities run in.
// Each write names the borough and appends its timeline event; ids come from the workflow. Reads serve the API.

type Db = Sql | Tx;

/** A computed deadline: the instant and the local date it falls on. */
export interface DueAt {
  dueAt: string;
  dueDate: string;
}

/** Who did a step on an episode, and when (workflow time). */
interface Stamp {
  borough: string;
  caseId: string;
  /** The contact that opened the episode (timeline events belong to it too). */
  contactId: string;
  by: string;
  at: string;
}

export interface EpisodeOpening {
  caseId: string;
  borough: string;
  childId: string;
  contactId: string;
  contactReference: string;
  childPosition: number;
  referralAt: string;
  referralDate: string;
  referralSource: string;
  primaryNeed: string;
  pathway: string;
  levelOfNeed: number;
  rag: string;
  decidedBy: string;
  assessmentDue: DueAt;
}

export type OpenedEpisode =
  | { duplicate: true; episodeId: string }
  | { duplicate: false; reReferral: boolean; previousEpisodeId: string | null; previousReferralDate: string | null };

/**
 * Opens a child's episode (its case row, the episode, its first referral and timeline) once. A referral this child
 * already had from the same contact, in an episode that has closed (or another one), is a duplicate and changes nothing. Detects a
 * re-referral: the child's previous episode was referred within 12 months (`withinTwelveMonths` decides on dates).
 */
export async function openEpisode(sql: Sql, e: EpisodeOpening, withinTwelveMonths: (previousDate: string, date: string) => boolean): Promise<OpenedEpisode> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${`episode-child:${e.childId}`}))`;
    // Already recorded: a retry of this opening (the same, still open episode) goes on; anything else is a repeat.
    const [earlier] = await tx<{ episodeId: string; closedAt: Date | null }[]>`
      select r.episode_id, e.closed_at from episode_referrals r join episodes e on e.id = r.episode_id
      where r.child_id = ${e.childId} and r.contact_id = ${e.contactId}`;
    if (earlier && (earlier.episodeId !== e.caseId || earlier.closedAt !== null)) return { duplicate: true as const, episodeId: earlier.episodeId };

    const [previous] = await tx<{ id: string; referralDate: string }[]>`
      select id, to_char(referral_date, 'YYYY-MM-DD') as referral_date from episodes
      where borough = ${e.borough} and child_id = ${e.childId} and id <> ${e.caseId}
      order by referral_at desc limit 1`;
    const reReferral = previous !== undefined && withinTwelveMonths(previous.referralDate, e.referralDate);

    await insertCase(tx, {
      id: e.caseId, borough: e.borough, kind: 'EPISODE', contactId: e.contactId, childPosition: e.childPosition,
      reference: `${e.contactReference}/${e.childPosition + 1}`, stage: 'REFERRAL', openedAt: e.referralAt,
    });
    await tx`update cases set child_id = ${e.childId}, rag = ${e.rag} where borough = ${e.borough} and id = ${e.caseId}`;
    const inserted = await tx`
      insert into episodes (id, borough, child_id, first_contact_id, referral_at, referral_date, referral_source, primary_need, pathway,
        level_of_need, rag, re_referral, previous_episode_id, assessment_due_date, assessment_due_at)
      values (${e.caseId}, ${e.borough}, ${e.childId}, ${e.contactId}, ${e.referralAt}, ${e.referralDate}, ${e.referralSource}, ${e.primaryNeed},
        ${e.pathway}, ${e.levelOfNeed}, ${e.rag}, ${reReferral}, ${previous?.id ?? null}, ${e.assessmentDue.dueDate}, ${e.assessmentDue.dueAt})
      on conflict (id) do nothing returning id`;
    if (inserted.length > 0) {
      await tx`
        insert into episode_referrals (episode_id, borough, child_id, contact_id, child_position, referral_at, pathway, decided_by, joined)
        values (${e.caseId}, ${e.borough}, ${e.childId}, ${e.contactId}, ${e.childPosition}, ${e.referralAt}, ${e.pathway}, ${e.decidedBy}, false)`;
    }
    const stamp = { borough: e.borough, caseId: e.caseId, contactId: e.contactId };
    await appendEvent(tx, {
      ...stamp, kind: 'EPISODE_OPENED', at: e.referralAt, actor: e.decidedBy,
      detail: { pathway: e.pathway, referralSource: e.referralSource, primaryNeed: e.primaryNeed, contactReference: e.contactReference, assessmentDueDate: e.assessmentDue.dueDate },
    });
    if (reReferral) {
      await appendEvent(tx, {
        ...stamp, kind: 'RE_REFERRAL', at: e.referralAt, actor: e.decidedBy,
        detail: { previousEpisodeId: previous.id, previousReferralDate: previous.referralDate, referralDate: e.referralDate },
      });
    }
    return { duplicate: false as const, reReferral, previousEpisodeId: previous?.id ?? null, previousReferralDate: previous?.referralDate ?? null };
  });
}

/** Records a further referral (another contact about the same child) joining the open episode. Idempotent. */
export async function joinReferral(
  tx: Tx,
  j: { borough: string; caseId: string; childId: string; contactId: string; contactReference: string; childPosition: number; referralAt: string; pathway: string; decidedBy: string },
): Promise<void> {
  await tx`
    insert into episode_referrals (episode_id, borough, child_id, contact_id, child_position, referral_at, pathway, decided_by, joined)
    values (${j.caseId}, ${j.borough}, ${j.childId}, ${j.contactId}, ${j.childPosition}, ${j.referralAt}, ${j.pathway}, ${j.decidedBy}, true)
    on conflict do nothing`;
  await appendEvent(tx, {
    borough: j.borough, caseId: j.caseId, contactId: j.contactId, kind: 'REFERRAL_JOINED', key: `referral-joined:${j.contactId}`, at: j.referralAt, actor: j.decidedBy,
    detail: { contactReference: j.contactReference, pathway: j.pathway },
  });
}

export async function scheduleDiscussion(tx: Tx, d: Stamp & { id: string; scheduledFor: string; invited: string[]; purpose: string }): Promise<void> {
  await tx`
    insert into strategy_discussions (id, borough, episode_id, status, scheduled_for, invited_agencies, scheduled_by)
    values (${d.id}, ${d.borough}, ${d.caseId}, 'SCHEDULED', ${d.scheduledFor}, ${d.invited}, ${d.by})
    on conflict (id) do update set scheduled_for = excluded.scheduled_for, invited_agencies = excluded.invited_agencies
    where strategy_discussions.status = 'SCHEDULED'`;
  await event(tx, d, 'STRATEGY_DISCUSSION_SCHEDULED', `sd-scheduled:${d.id}:${d.scheduledFor}`, { discussionId: d.id, scheduledFor: d.scheduledFor, invitedAgencies: d.invited, purpose: d.purpose });
}

export interface HeldDiscussion extends Stamp {
  id: string;
  heldAt: string;
  attendees: { agency: string; name: string; role: string; manager: boolean }[];
  outcome: string;
  rationale: string;
  actions: { description: string; owner: string; agency: string; dueDate: string }[];
  missingAgencies: string[];
  socialCareManagerPresent: boolean;
  overrideReason: string | null;
}

/**
 * Records a held strategy discussion with its attendees and actions, and whether it was complete (the borough's
 * required agencies and a social care manager present) or overridden by a manager. Its tasks (follow-ups for missing
 * agencies, its actions) are separate writes.
 */
export async function recordDiscussion(tx: Tx, d: HeldDiscussion): Promise<void> {
  const complete = d.missingAgencies.length === 0 && d.socialCareManagerPresent;
  const inserted = await tx`
    insert into strategy_discussions (id, borough, episode_id, status, held_at, outcome, rationale, complete, missing_agencies,
      social_care_manager_present, override_reason, override_by, recorded_by, recorded_at)
    values (${d.id}, ${d.borough}, ${d.caseId}, 'HELD', ${d.heldAt}, ${d.outcome}, ${d.rationale}, ${complete}, ${d.missingAgencies},
      ${d.socialCareManagerPresent}, ${d.overrideReason}, ${d.overrideReason ? d.by : null}, ${d.by}, ${d.at})
    on conflict (id) do update set status = 'HELD', held_at = excluded.held_at, outcome = excluded.outcome, rationale = excluded.rationale,
      complete = excluded.complete, missing_agencies = excluded.missing_agencies, social_care_manager_present = excluded.social_care_manager_present,
      override_reason = excluded.override_reason, override_by = excluded.override_by, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at
    where strategy_discussions.status = 'SCHEDULED'
    returning id`;
  if (inserted.length === 0) return;
  for (const [position, a] of d.attendees.entries()) {
    await tx`
      insert into strategy_discussion_attendees (discussion_id, borough, position, agency, name, role, manager)
      values (${d.id}, ${d.borough}, ${position}, ${a.agency}, ${a.name}, ${a.role}, ${a.manager})`;
  }
  for (const [position, a] of d.actions.entries()) {
    await tx`
      insert into strategy_discussion_actions (discussion_id, borough, position, description, owner, agency, due_date)
      values (${d.id}, ${d.borough}, ${position}, ${a.description}, ${a.owner}, ${a.agency}, ${a.dueDate})`;
  }
  await event(tx, d, 'STRATEGY_DISCUSSION_HELD', `sd-held:${d.id}`, {
    discussionId: d.id, heldAt: d.heldAt, outcome: d.outcome, complete, missingAgencies: d.missingAgencies, socialCareManagerPresent: d.socialCareManagerPresent,
    overrideReason: d.overrideReason, attendingAgencies: [...new Set(d.attendees.map((a) => a.agency))], actions: d.actions.length,
  });
}

export async function startSection47(
  tx: Tx,
  s: Stamp & { id: string; discussionId: string; anchor: string; anchorDiscussionId: string },
): Promise<void> {
  const inserted = await tx`
    insert into section47s (id, borough, episode_id, strategy_discussion_id, status, started_at, started_by, icpc_anchor, icpc_anchor_discussion_id)
    values (${s.id}, ${s.borough}, ${s.caseId}, ${s.discussionId}, 'OPEN', ${s.at}, ${s.by}, ${s.anchor}, ${s.anchorDiscussionId})
    on conflict (id) do nothing returning id`;
  if (inserted.length > 0) await event(tx, s, 'SECTION_47_STARTED', `s47-started:${s.id}`, { section47Id: s.id, discussionId: s.discussionId, icpcAnchor: s.anchor });
}

/** Sets (or, when the ICPC clock runs from the last strategy discussion, moves) an s47's ICPC due date. */
export async function setIcpcDue(tx: Tx, s: Stamp & { id: string; anchorDiscussionId: string; due: DueAt }): Promise<void> {
  await tx`
    update section47s set icpc_due_date = ${s.due.dueDate}, icpc_due_at = ${s.due.dueAt}, icpc_anchor_discussion_id = ${s.anchorDiscussionId}
    where borough = ${s.borough} and id = ${s.id}`;
  await event(tx, s, 'ICPC_DUE_SET', `icpc-due:${s.id}:${s.due.dueDate}`, { section47Id: s.id, anchorDiscussionId: s.anchorDiscussionId, dueDate: s.due.dueDate });
}

export async function recordSection47Outcome(
  tx: Tx,
  s: Stamp & { id: string; enquiries: string[]; analysis: string; recommendation: string; recommendationDetail: string; revision: string },
): Promise<void> {
  await tx`
    update section47s set status = 'AWAITING_AUTHORISATION', enquiries = ${s.enquiries}, analysis = ${s.analysis}, recommendation = ${s.recommendation},
      recommendation_detail = ${s.recommendationDetail}, outcome_recorded_by = ${s.by}, outcome_recorded_at = ${s.at}
    where borough = ${s.borough} and id = ${s.id} and status <> 'COMPLETED'`;
  await event(tx, s, 'SECTION_47_OUTCOME_RECORDED', `s47-outcome:${s.id}:${s.revision}`, { section47Id: s.id, recommendation: s.recommendation, enquiries: s.enquiries.length });
}

export async function authoriseSection47(tx: Tx, s: Stamp & { id: string; managerComment: string }): Promise<void> {
  await tx`
    update section47s set status = 'COMPLETED', authorised_by = ${s.by}, authorised_at = ${s.at}, manager_comment = ${s.managerComment}
    where borough = ${s.borough} and id = ${s.id} and status = 'AWAITING_AUTHORISATION'`;
  await event(tx, s, 'SECTION_47_AUTHORISED', `s47-authorised:${s.id}`, { section47Id: s.id, managerComment: s.managerComment });
}

export async function startAssessment(tx: Tx, a: Stamp & { id: string; due: DueAt | null }): Promise<void> {
  const inserted = await tx`
    insert into assessments (id, borough, episode_id, status, started_at, started_by, due_date, due_at)
    values (${a.id}, ${a.borough}, ${a.caseId}, 'OPEN', ${a.at}, ${a.by}, ${a.due?.dueDate ?? null}, ${a.due?.dueAt ?? null})
    on conflict (id) do nothing returning id`;
  if (inserted.length > 0) await event(tx, a, 'ASSESSMENT_STARTED', `assessment-started:${a.id}`, { assessmentId: a.id, dueDate: a.due?.dueDate ?? null });
}

export async function setAssessmentDue(tx: Tx, a: { borough: string; id: string; due: DueAt }): Promise<void> {
  await tx`update assessments set due_date = ${a.due.dueDate}, due_at = ${a.due.dueAt} where borough = ${a.borough} and id = ${a.id}`;
}

export async function completeAssessment(
  tx: Tx,
  a: Stamp & { id: string; factors: string[]; summary: string; overdueReason: string | null; dueDate: string; overdue: boolean; childSeen?: boolean | null },
): Promise<void> {
  const updated = await tx`
    update assessments set status = 'COMPLETED', completed_at = ${a.at}, authorised_by = ${a.by}, overdue_reason = ${a.overdueReason}, summary = ${a.summary},
      child_seen = ${a.childSeen ?? null}
    where borough = ${a.borough} and id = ${a.id} and status = 'OPEN' returning id`;
  if (updated.length === 0) return;
  for (const code of a.factors) {
    await tx`insert into assessment_factors (assessment_id, borough, code) values (${a.id}, ${a.borough}, ${code}) on conflict do nothing`;
  }
  await event(tx, a, 'ASSESSMENT_COMPLETED', `assessment-completed:${a.id}`, {
    assessmentId: a.id, factors: a.factors, authorisedBy: a.by, dueDate: a.dueDate, withinTimescale: !a.overdue, overdueReason: a.overdueReason, childSeen: a.childSeen ?? null,
  });
}

export interface PlanStart {
  id: string;
  kind: 'CIN' | 'CP';
  startDate: string;
  categoryOfAbuse: string | null;
  conferenceId: string | null;
}

export interface PlanEnd {
  id: string;
  kind: 'CIN' | 'CP';
  endDate: string;
  reason: string;
}

/** Starts and ends plans (and ends their open actions) inside a step's transaction; the level follows. */
async function changePlans(tx: Tx, s: Stamp, change: { start?: PlanStart | null; end?: PlanEnd[]; level?: string }): Promise<void> {
  for (const end of change.end ?? []) {
    const ended = await tx`
      update plans set end_date = ${end.endDate}, end_reason = ${end.reason}, next_visit_due_date = null where borough = ${s.borough} and id = ${end.id} and end_date is null returning id`;
    if (ended.length === 0) continue;
    await tx`
      update plan_actions set status = 'ENDED_WITH_PLAN', closed_at = ${s.at}
      where borough = ${s.borough} and plan_id = ${end.id} and status = 'OPEN'`;
    await event(tx, s, 'PLAN_ENDED', `plan-ended:${end.id}`, { planId: end.id, kind: end.kind, endDate: end.endDate, reason: end.reason });
  }
  const start = change.start;
  if (start) {
    const inserted = await tx`
      insert into plans (id, borough, episode_id, kind, start_date, category_of_abuse, conference_id, created_by, created_at)
      values (${start.id}, ${s.borough}, ${s.caseId}, ${start.kind}, ${start.startDate}, ${start.categoryOfAbuse}, ${start.conferenceId}, ${s.by}, ${s.at})
      on conflict (id) do nothing returning id`;
    if (inserted.length > 0) await event(tx, s, 'PLAN_STARTED', `plan-started:${start.id}`, { planId: start.id, kind: start.kind, startDate: start.startDate, categoryOfAbuse: start.categoryOfAbuse });
  }
  if (change.level) await tx`update episodes set level = ${change.level} where borough = ${s.borough} and id = ${s.caseId}`;
}

/**
 * Records an initial child protection conference; with a CP plan outcome, starts the CP plan on the conference day
 * and ends any CIN plan that day (one open CP plan; a CIN plan ends when a CP plan starts). Idempotent.
 */
export async function recordConference(
  tx: Tx,
  c: Stamp & { id: string; section47Id: string; heldOn: string; dueDate: string | null; outcome: string; categoryOfAbuse: string | null; note: string | null; startPlan: PlanStart | null; endPlans: PlanEnd[] },
): Promise<void> {
  const withinTimescale = c.dueDate === null ? null : c.heldOn <= c.dueDate;
  const inserted = await tx`
    insert into conferences (id, borough, episode_id, section47_id, kind, held_on, due_date, within_timescale, outcome, category_of_abuse, note, recorded_by, recorded_at)
    values (${c.id}, ${c.borough}, ${c.caseId}, ${c.section47Id}, 'ICPC', ${c.heldOn}, ${c.dueDate}, ${withinTimescale}, ${c.outcome}, ${c.categoryOfAbuse}, ${c.note}, ${c.by}, ${c.at})
    on conflict (id) do nothing returning id`;
  if (inserted.length === 0) return;
  await event(tx, c, 'INITIAL_CONFERENCE_HELD', `icpc:${c.id}`, { conferenceId: c.id, section47Id: c.section47Id, heldOn: c.heldOn, dueDate: c.dueDate, withinTimescale, outcome: c.outcome, categoryOfAbuse: c.categoryOfAbuse });
  await changePlans(tx, c, c.startPlan ? { start: c.startPlan, end: c.endPlans, level: 'CP' } : {});
}

export async function createPlan(tx: Tx, p: Stamp & { plan: PlanStart; level: string }): Promise<void> {
  await changePlans(tx, p, { start: p.plan, level: p.level });
}

/** Sets when a plan's next review (for a CP plan, its first core group; and its next statutory visit) is due. */
export async function setPlanDue(db: Db, p: { borough: string; id: string; nextReviewDue?: DueAt; firstCoreGroupDue?: DueAt; nextVisitDue?: DueAt }): Promise<void> {
  await db`
    update plans set next_review_due_date = coalesce(${p.nextReviewDue?.dueDate ?? null}::date, next_review_due_date),
      first_core_group_due_date = coalesce(${p.firstCoreGroupDue?.dueDate ?? null}::date, first_core_group_due_date),
      next_visit_due_date = coalesce(${p.nextVisitDue?.dueDate ?? null}::date, next_visit_due_date)
    where borough = ${p.borough} and id = ${p.id}`;
}

export interface VisitWrite extends Stamp {
  id: string;
  planId: string | null;
  planKind: 'CIN' | 'CP' | null;
  visitedOn: string;
  visitor: string;
  childSeen: boolean;
  seenAlone: boolean;
  note: string;
  /** The plan's visit deadline running when the visit was recorded (null without a plan or a running clock). */
  dueDate: string | null;
  /** Seen by the deadline (null without one). */
  withinTimescale: boolean | null;
}

/** Records a visit to the child, once, with its timeline event (the note stays in the visit's row). */
export async function recordVisit(tx: Tx, v: VisitWrite): Promise<void> {
  const inserted = await tx`
    insert into visits (id, borough, episode_id, plan_id, visited_on, visitor, child_seen, seen_alone, note, due_date, within_timescale, recorded_by, recorded_at)
    values (${v.id}, ${v.borough}, ${v.caseId}, ${v.planId}, ${v.visitedOn}, ${v.visitor}, ${v.childSeen}, ${v.seenAlone}, ${v.note}, ${v.dueDate}, ${v.withinTimescale}, ${v.by}, ${v.at})
    on conflict (id) do nothing returning id`;
  if (inserted.length > 0) {
    await event(tx, v, 'VISIT_RECORDED', `visit:${v.id}`, {
      visitId: v.id, visitedOn: v.visitedOn, visitor: v.visitor, childSeen: v.childSeen, seenAlone: v.seenAlone, planId: v.planId, planKind: v.planKind,
      dueDate: v.dueDate, withinTimescale: v.withinTimescale,
    });
  }
}

export interface PlanActionRecord {
  id: string;
  planId: string;
  description: string;
  responsibleAgency: string;
  responsiblePerson: string | null;
  dueDate: string;
  intendedOutcome: string;
}

export async function addPlanAction(tx: Tx, a: Stamp & { action: PlanActionRecord }): Promise<void> {
  const x = a.action;
  const inserted = await tx`
    insert into plan_actions (id, borough, episode_id, plan_id, description, responsible_agency, responsible_person, due_date, intended_outcome, status, created_by, created_at)
    values (${x.id}, ${a.borough}, ${a.caseId}, ${x.planId}, ${x.description}, ${x.responsibleAgency}, ${x.responsiblePerson}, ${x.dueDate}, ${x.intendedOutcome}, 'OPEN', ${a.by}, ${a.at})
    on conflict (id) do nothing returning id`;
  if (inserted.length > 0) await event(tx, a, 'PLAN_ACTION_ADDED', `action-added:${x.id}`, { actionId: x.id, planId: x.planId, responsibleAgency: x.responsibleAgency, dueDate: x.dueDate });
}

export async function updatePlanAction(
  tx: Tx,
  a: Stamp & { action: PlanActionRecord; status: 'OPEN' | 'COMPLETED' | 'CANCELLED'; note: string | null; revision: string },
): Promise<void> {
  const x = a.action;
  await tx`
    update plan_actions set description = ${x.description}, responsible_agency = ${x.responsibleAgency}, responsible_person = ${x.responsiblePerson},
      due_date = ${x.dueDate}, intended_outcome = ${x.intendedOutcome}, status = ${a.status}, note = coalesce(${a.note}, note),
      updated_by = ${a.by}, updated_at = ${a.at}, closed_at = ${a.status === 'OPEN' ? null : a.at}
    where borough = ${a.borough} and id = ${x.id} and status = 'OPEN'`;
  await event(tx, a, 'PLAN_ACTION_UPDATED', `action-updated:${x.id}:${a.revision}`, { actionId: x.id, status: a.status, dueDate: x.dueDate, note: a.note });
}

export async function recordReview(
  tx: Tx,
  r: Stamp & { id: string; planId: string; kind: string; heldOn: string; dueDate: string | null; summary: string; overdueActionIds: string[] },
): Promise<void> {
  const inserted = await tx`
    insert into reviews (id, borough, episode_id, plan_id, kind, held_on, due_date, summary, overdue_action_ids, recorded_by, recorded_at)
    values (${r.id}, ${r.borough}, ${r.caseId}, ${r.planId}, ${r.kind}, ${r.heldOn}, ${r.dueDate}, ${r.summary}, ${r.overdueActionIds}, ${r.by}, ${r.at})
    on conflict (id) do nothing returning id`;
  if (inserted.length > 0) {
    await event(tx, r, 'REVIEW_HELD', `review:${r.id}`, { reviewId: r.id, planId: r.planId, kind: r.kind, heldOn: r.heldOn, dueDate: r.dueDate, overdueActionIds: r.overdueActionIds });
  }
}

export async function setReviewNextDue(tx: Tx, r: { borough: string; id: string; planId: string; nextDue: DueAt }): Promise<void> {
  await tx`update reviews set next_due_date = ${r.nextDue.dueDate} where borough = ${r.borough} and id = ${r.id}`;
  await setPlanDue(tx, { borough: r.borough, id: r.planId, nextReviewDue: r.nextDue });
}

/** A step up or down between CP, CIN and early help, with the plans it starts and ends. */
export async function changeLevel(
  tx: Tx,
  c: Stamp & { id: string; direction: 'UP' | 'DOWN'; from: string; to: string; reason: string; level: string; start: PlanStart | null; end: PlanEnd[] },
): Promise<void> {
  const inserted = await tx`
    insert into step_changes (id, borough, episode_id, direction, from_level, to_level, reason, decided_by, at)
    values (${c.id}, ${c.borough}, ${c.caseId}, ${c.direction}, ${c.from}, ${c.to}, ${c.reason}, ${c.by}, ${c.at})
    on conflict (id) do nothing returning id`;
  if (inserted.length === 0) return;
  await changePlans(tx, c, { start: c.start, end: c.end, level: c.level });
  await event(tx, c, c.direction === 'UP' ? 'STEPPED_UP' : 'STEPPED_DOWN', `step:${c.id}`, { from: c.from, to: c.to, reason: c.reason });
}

/** Starts the early help episode a step down to early help decided on (written in the step down's batch). Idempotent. */
export async function startEarlyHelp(tx: Tx, e: Stamp & { id: string; stepChangeId: string; startedOn: string; organisation: string }): Promise<void> {
  const inserted = await tx`
    insert into early_help_episodes (id, borough, episode_id, child_id, step_change_id, started_on, organisation, recorded_by, recorded_at)
    select ${e.id}, ${e.borough}, ${e.caseId}, child_id, ${e.stepChangeId}, ${e.startedOn}, ${e.organisation}, ${e.by}, ${e.at}
    from episodes where borough = ${e.borough} and id = ${e.caseId}
    on conflict (id) do nothing returning id`;
  if (inserted.length > 0) await event(tx, e, 'EARLY_HELP_STARTED', `early-help-started:${e.id}`, { earlyHelpId: e.id, startedOn: e.startedOn, organisation: e.organisation });
}

export async function recordEarlyHelpAssessment(tx: Tx, e: Stamp & { id: string; completedOn: string }): Promise<void> {
  const updated = await tx`
    update early_help_episodes set assessment_completed_on = ${e.completedOn}
    where borough = ${e.borough} and id = ${e.id} and assessment_completed_on is null returning id`;
  if (updated.length > 0) await event(tx, e, 'EARLY_HELP_ASSESSMENT_COMPLETED', `early-help-assessed:${e.id}`, { earlyHelpId: e.id, completedOn: e.completedOn });
}

export async function endEarlyHelp(tx: Tx, e: Stamp & { id: string; endedOn: string; outcome: string; note: string | null }): Promise<void> {
  const updated = await tx`
    update early_help_episodes set ended_on = ${e.endedOn}, outcome = ${e.outcome}, outcome_note = ${e.note}, ended_by = ${e.by}
    where borough = ${e.borough} and id = ${e.id} and ended_on is null returning id`;
  if (updated.length > 0) await event(tx, e, 'EARLY_HELP_ENDED', `early-help-ended:${e.id}`, { earlyHelpId: e.id, endedOn: e.endedOn, outcome: e.outcome, note: e.note });
}

/** Closes the episode and its case: ends open plans, cancels every open task, records the reason. Idempotent. */
export async function closeEpisode(
  tx: Tx,
  c: Stamp & { reason: string; note: string; referralNfa: boolean; end: PlanEnd[] },
): Promise<void> {
  const closed = await tx`
    update episodes set closed_at = ${c.at}, closure_reason = ${c.reason}, closure_note = ${c.note}, closed_by = ${c.by}, referral_nfa = ${c.referralNfa}
    where borough = ${c.borough} and id = ${c.caseId} and closed_at is null returning id`;
  if (closed.length === 0) return;
  await changePlans(tx, c, { end: c.end });
  await tx`update tasks set status = 'CANCELLED', completed_at = ${c.at} where borough = ${c.borough} and case_id = ${c.caseId} and status = 'OPEN'`;
  await updateCase(tx, c.borough, c.caseId, { stage: 'CLOSED', closedAt: c.at, closureReason: c.reason, nextDueAt: null });
  await event(tx, c, 'EPISODE_CLOSED', 'episode-closed', { reason: c.reason, note: c.note, referralNfa: c.referralNfa });
}

export async function startProtection(tx: Tx, p: Stamp & { id: string; kind: string; startedAt: string; endsAt: string; supersedes: string | null }): Promise<void> {
  if (p.supersedes) {
    await tx`update protection_orders set ended_at = ${p.startedAt}, end_outcome = 'Superseded by an emergency protection order' where borough = ${p.borough} and id = ${p.supersedes} and ended_at is null`;
  }
  const inserted = await tx`
    insert into protection_orders (id, borough, episode_id, kind, started_at, ends_at, recorded_by)
    values (${p.id}, ${p.borough}, ${p.caseId}, ${p.kind}, ${p.startedAt}, ${p.endsAt}, ${p.by})
    on conflict (id) do nothing returning id`;
  if (inserted.length > 0) await event(tx, p, p.kind === 'POLICE_PROTECTION' ? 'POLICE_PROTECTION_RECORDED' : 'EMERGENCY_PROTECTION_ORDER_GRANTED', `protection:${p.id}`, { orderId: p.id, startedAt: p.startedAt, endsAt: p.endsAt });
}

export async function extendProtection(tx: Tx, p: Stamp & { id: string; days: number; endsAt: string; reason: string }): Promise<void> {
  const updated = await tx`
    update protection_orders set ends_at = ${p.endsAt}, extended_by_days = ${p.days}, extended_at = ${p.at}
    where borough = ${p.borough} and id = ${p.id} and extended_at is null returning id`;
  if (updated.length > 0) await event(tx, p, 'EMERGENCY_PROTECTION_ORDER_EXTENDED', `protection-extended:${p.id}`, { orderId: p.id, days: p.days, endsAt: p.endsAt, reason: p.reason });
}

export async function endProtection(tx: Tx, p: Stamp & { id: string; endedAt: string; outcome: string }): Promise<void> {
  const updated = await tx`
    update protection_orders set ended_at = ${p.endedAt}, end_outcome = ${p.outcome} where borough = ${p.borough} and id = ${p.id} and ended_at is null returning kind`;
  if (updated.length > 0) await event(tx, p, 'PROTECTION_ENDED', `protection-ended:${p.id}`, { orderId: p.id, endedAt: p.endedAt, outcome: p.outcome });
}

/** Every write an episode makes, by name; each runs inside its batch's transaction. */
const WRITERS = {
  joinReferral, scheduleDiscussion, recordDiscussion, startSection47, setIcpcDue, recordSection47Outcome, authoriseSection47, startAssessment, setAssessmentDue,
  completeAssessment, recordConference, createPlan, setPlanDue, recordVisit, addPlanAction, updatePlanAction, recordReview, setReviewNextDue, changeLevel, closeEpisode,
  startProtection, extendProtection, endProtection, startEarlyHelp, recordEarlyHelpAssessment, endEarlyHelp,
  openTask: async (tx: Tx, task: TaskInput) => {
    await openTask(tx, task);
  },
  closeTasks: (tx: Tx, c: { borough: string; caseId: string; kind: string; key?: string; status: 'DONE' | 'CANCELLED'; at: string }) =>
    closeTasks(tx, c.borough, c.caseId, c.key === undefined ? { kind: c.kind } : { kind: c.kind, key: c.key }, c.status, c.at),
  updateCase: (tx: Tx, u: { borough: string; caseId: string; fields: Parameters<typeof updateCase>[3] }) => updateCase(tx, u.borough, u.caseId, u.fields),
} satisfies Record<string, (tx: Tx, args: never) => Promise<void>>;

/** One write of an episode: which, and its arguments. */
export type EpisodeWrite = { [K in keyof typeof WRITERS]: { op: K; args: Parameters<(typeof WRITERS)[K]>[1] } }[keyof typeof WRITERS];

/**
 * Applies an episode's batch of writes `seq` in one transaction, exactly once and in order: a batch already applied
 * changes nothing; one whose predecessor is not applied yet changes nothing and says which it waits for.
 */
export async function applyEpisodeWrites(sql: Sql, batch: { borough: string; caseId: string; seq: number; writes: EpisodeWrite[] }): Promise<{ applied: boolean; waitingFor: number | null }> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${`episode-writes:${batch.caseId}`}))`;
    const [row] = await tx<{ appliedSeq: number }[]>`select applied_seq from episodes where borough = ${batch.borough} and id = ${batch.caseId}`;
    if (!row) throw new Error(`Episode ${batch.caseId} (${batch.borough}) is not stored, so its writes cannot be applied.`);
    if (batch.seq <= row.appliedSeq) return { applied: false, waitingFor: null };
    if (batch.seq > row.appliedSeq + 1) return { applied: false, waitingFor: row.appliedSeq + 1 };
    // The union's members line up (op with its own args); TypeScript cannot correlate them through the index.
    for (const write of batch.writes) await (WRITERS[write.op] as (tx: Tx, args: unknown) => Promise<void>)(tx, write.args);
    await tx`update episodes set applied_seq = ${batch.seq} where borough = ${batch.borough} and id = ${batch.caseId}`;
    return { applied: true, waitingFor: null };
  });
}

async function event(tx: Tx, s: Stamp, kind: string, key: string, detail: Record<string, unknown>): Promise<void> {
  await appendEvent(tx, { borough: s.borough, caseId: s.caseId, contactId: s.contactId, kind, key, at: s.at, actor: s.by, detail });
}

// ---- reads (the API) ----

/** What routes and authorises a step on an episode: its borough, child (the workflow id) and whether it is closed. */
export interface EpisodeHeader {
  id: string;
  borough: string;
  childId: string;
  closedAt: Date | null;
  closureReason: string | null;
}

/** An episode's header, if it is in one of `boroughs`. */
export async function findEpisodeHeader(sql: Sql, boroughs: readonly string[], caseId: string): Promise<EpisodeHeader | null> {
  const [row] = await sql<EpisodeHeader[]>`
    select id, borough, child_id, closed_at, closure_reason from episodes where borough = any(${boroughs as string[]}) and id = ${caseId}`;
  return row ?? null;
}

export interface EpisodeRecord {
  id: string;
  borough: string;
  childId: string;
  firstContactId: string;
  /** The contact that opened the episode, and the child's 0-based position on it. */
  contactId: string;
  childPosition: number | null;
  reference: string;
  stage: string;
  referralAt: Date;
  referralDate: string;
  referralSource: string;
  primaryNeed: string;
  pathway: string;
  levelOfNeed: number;
  rag: string;
  reReferral: boolean;
  previousEpisodeId: string | null;
  referralNfa: boolean;
  assessmentDueDate: string | null;
  level: string;
  closedAt: Date | null;
  closureReason: string | null;
  closureNote: string | null;
  referrals: { contactId: string; referralAt: Date; pathway: string; joined: boolean }[];
  strategyDiscussions: {
    id: string; status: string; scheduledFor: Date | null; invitedAgencies: string[] | null; heldAt: Date | null; outcome: string | null; rationale: string | null;
    complete: boolean | null; missingAgencies: string[] | null; socialCareManagerPresent: boolean | null; overrideReason: string | null; overrideBy: string | null;
    attendees: { agency: string; name: string; role: string; manager: boolean }[];
    actions: { description: string; owner: string; agency: string; dueDate: string }[];
  }[];
  section47s: {
    id: string; status: string; strategyDiscussionId: string; startedAt: Date; icpcAnchor: string; icpcDueDate: string | null; enquiries: string[] | null; analysis: string | null;
    recommendation: string | null; recommendationDetail: string | null; authorisedBy: string | null; authorisedAt: Date | null; managerComment: string | null;
  }[];
  assessments: {
    id: string; status: string; startedAt: Date; dueDate: string | null; completedAt: Date | null; authorisedBy: string | null; overdueReason: string | null; childSeen: boolean | null; factors: string[];
  }[];
  conferences: { id: string; section47Id: string; heldOn: string; dueDate: string | null; withinTimescale: boolean | null; outcome: string; categoryOfAbuse: string | null }[];
  plans: {
    id: string; kind: string; startDate: string; endDate: string | null; endReason: string | null; categoryOfAbuse: string | null; nextReviewDueDate: string | null; firstCoreGroupDueDate: string | null;
    nextVisitDueDate: string | null;
    actions: { id: string; description: string; responsibleAgency: string; responsiblePerson: string | null; dueDate: string; intendedOutcome: string; status: string }[];
    reviews: { id: string; kind: string; heldOn: string; dueDate: string | null; summary: string; overdueActionIds: string[]; nextDueDate: string | null }[];
  }[];
  protectionOrders: { id: string; kind: string; startedAt: Date; endsAt: Date; extendedByDays: number | null; endedAt: Date | null; endOutcome: string | null }[];
  visits: {
    id: string; visitedOn: string; visitor: string; childSeen: boolean; seenAlone: boolean; note: string; dueDate: string | null; withinTimescale: boolean | null;
    planId: string | null; planKind: string | null; recordedBy: string; recordedAt: Date;
  }[];
  earlyHelp: {
    id: string; stepChangeId: string | null; startedOn: string; organisation: string; assessmentCompletedOn: string | null; endedOn: string | null; outcome: string | null;
    outcomeNote: string | null; recordedBy: string; recordedAt: Date; endedBy: string | null;
  }[];
}

/** One episode with everything recorded in it (a fixed number of queries, whatever its size), if in `borough`. */
export async function findEpisode(sql: Sql, borough: string, caseId: string): Promise<EpisodeRecord | null> {
  const [episode] = await sql<Omit<EpisodeRecord, 'referrals' | 'strategyDiscussions' | 'section47s' | 'assessments' | 'conferences' | 'plans' | 'protectionOrders' | 'visits' | 'earlyHelp'>[]>`
    select e.id, e.borough, e.child_id, e.first_contact_id, c.contact_id, c.child_position, c.reference, c.stage, e.referral_at, to_char(e.referral_date, 'YYYY-MM-DD') as referral_date,
      e.referral_source, e.primary_need, e.pathway, e.level_of_need, e.rag, e.re_referral, e.previous_episode_id, e.referral_nfa,
      to_char(e.assessment_due_date, 'YYYY-MM-DD') as assessment_due_date, e.level, e.closed_at, e.closure_reason, e.closure_note
    from episodes e join cases c on c.id = e.id
    where e.borough = ${borough} and e.id = ${caseId}`;
  if (!episode) return null;
  const referrals = await sql<EpisodeRecord['referrals']>`
    select contact_id, referral_at, pathway, joined from episode_referrals where borough = ${borough} and episode_id = ${caseId} order by referral_at`;
  const discussions = await sql<Omit<EpisodeRecord['strategyDiscussions'][number], 'attendees' | 'actions'>[]>`
    select id, status, scheduled_for, invited_agencies, held_at, outcome, rationale, complete, missing_agencies, social_care_manager_present, override_reason, override_by
    from strategy_discussions where borough = ${borough} and episode_id = ${caseId} order by coalesce(held_at, scheduled_for), id`;
  const attendees = await sql<({ discussionId: string } & EpisodeRecord['strategyDiscussions'][number]['attendees'][number])[]>`
    select a.discussion_id, a.agency, a.name, a.role, a.manager from strategy_discussion_attendees a join strategy_discussions d on d.id = a.discussion_id
    where a.borough = ${borough} and d.episode_id = ${caseId} order by a.discussion_id, a.position`;
  const discussionActions = await sql<({ discussionId: string } & EpisodeRecord['strategyDiscussions'][number]['actions'][number])[]>`
    select a.discussion_id, a.description, a.owner, a.agency, to_char(a.due_date, 'YYYY-MM-DD') as due_date
    from strategy_discussion_actions a join strategy_discussions d on d.id = a.discussion_id
    where a.borough = ${borough} and d.episode_id = ${caseId} order by a.discussion_id, a.position`;
  const section47s = await sql<EpisodeRecord['section47s']>`
    select id, status, strategy_discussion_id, started_at, icpc_anchor, to_char(icpc_due_date, 'YYYY-MM-DD') as icpc_due_date, enquiries, analysis,
      recommendation, recommendation_detail, authorised_by, authorised_at, manager_comment
    from section47s where borough = ${borough} and episode_id = ${caseId} order by started_at`;
  const assessments = await sql<Omit<EpisodeRecord['assessments'][number], 'factors'>[]>`
    select id, status, started_at, to_char(due_date, 'YYYY-MM-DD') as due_date, completed_at, authorised_by, overdue_reason, child_seen
    from assessments where borough = ${borough} and episode_id = ${caseId} order by started_at`;
  const factors = await sql<{ assessmentId: string; code: string }[]>`
    select f.assessment_id, f.code from assessment_factors f join assessments a on a.id = f.assessment_id
    where f.borough = ${borough} and a.episode_id = ${caseId} order by f.code`;
  const conferences = await sql<EpisodeRecord['conferences']>`
    select id, section47_id, to_char(held_on, 'YYYY-MM-DD') as held_on, to_char(due_date, 'YYYY-MM-DD') as due_date, within_timescale, outcome, category_of_abuse
    from conferences where borough = ${borough} and episode_id = ${caseId} order by held_on`;
  const plans = await sql<Omit<EpisodeRecord['plans'][number], 'actions' | 'reviews'>[]>`
    select id, kind, to_char(start_date, 'YYYY-MM-DD') as start_date, to_char(end_date, 'YYYY-MM-DD') as end_date, end_reason, category_of_abuse,
      to_char(next_review_due_date, 'YYYY-MM-DD') as next_review_due_date, to_char(first_core_group_due_date, 'YYYY-MM-DD') as first_core_group_due_date,
      to_char(next_visit_due_date, 'YYYY-MM-DD') as next_visit_due_date
    from plans where borough = ${borough} and episode_id = ${caseId} order by start_date, created_at`;
  const actions = await sql<({ planId: string } & EpisodeRecord['plans'][number]['actions'][number])[]>`
    select id, plan_id, description, responsible_agency, responsible_person, to_char(due_date, 'YYYY-MM-DD') as due_date, intended_outcome, status
    from plan_actions where borough = ${borough} and episode_id = ${caseId} order by due_date, created_at`;
  const reviews = await sql<({ planId: string } & EpisodeRecord['plans'][number]['reviews'][number])[]>`
    select id, plan_id, kind, to_char(held_on, 'YYYY-MM-DD') as held_on, to_char(due_date, 'YYYY-MM-DD') as due_date, summary, overdue_action_ids,
      to_char(next_due_date, 'YYYY-MM-DD') as next_due_date
    from reviews where borough = ${borough} and episode_id = ${caseId} order by held_on, recorded_at`;
  const protectionOrders = await sql<EpisodeRecord['protectionOrders']>`
    select id, kind, started_at, ends_at, extended_by_days, ended_at, end_outcome from protection_orders where borough = ${borough} and episode_id = ${caseId} order by started_at`;
  const visits = await sql<EpisodeRecord['visits']>`
    select v.id, to_char(v.visited_on, 'YYYY-MM-DD') as visited_on, v.visitor, v.child_seen, v.seen_alone, v.note, to_char(v.due_date, 'YYYY-MM-DD') as due_date,
      v.within_timescale, v.plan_id, p.kind as plan_kind, v.recorded_by, v.recorded_at
    from visits v left join plans p on p.id = v.plan_id
    where v.borough = ${borough} and v.episode_id = ${caseId} order by v.visited_on, v.recorded_at`;
  const earlyHelp = await sql<EpisodeRecord['earlyHelp']>`
    select id, step_change_id, to_char(started_on, 'YYYY-MM-DD') as started_on, organisation, to_char(assessment_completed_on, 'YYYY-MM-DD') as assessment_completed_on,
      to_char(ended_on, 'YYYY-MM-DD') as ended_on, outcome, outcome_note, recorded_by, recorded_at, ended_by
    from early_help_episodes where borough = ${borough} and episode_id = ${caseId} order by started_on, recorded_at`;

  const group = <T extends Record<K, string>, K extends string>(rows: readonly T[], key: K) => {
    const map = new Map<string, T[]>();
    for (const row of rows) map.set(row[key], [...(map.get(row[key]) ?? []), row]);
    return (id: string) => map.get(id) ?? [];
  };
  const attendeesOf = group(attendees, 'discussionId');
  const actionsOfDiscussion = group(discussionActions, 'discussionId');
  const factorsOf = group(factors, 'assessmentId');
  const actionsOf = group(actions, 'planId');
  const reviewsOf = group(reviews, 'planId');
  return {
    ...episode,
    referrals: [...referrals],
    strategyDiscussions: discussions.map((d) => ({ ...d, attendees: attendeesOf(d.id), actions: actionsOfDiscussion(d.id) })),
    section47s: [...section47s],
    assessments: assessments.map((a) => ({ ...a, factors: factorsOf(a.id).map((f) => f.code) })),
    conferences: [...conferences],
    plans: plans.map((p) => ({ ...p, actions: actionsOf(p.id), reviews: reviewsOf(p.id) })),
    protectionOrders: [...protectionOrders],
    visits: [...visits],
    earlyHelp: [...earlyHelp],
  };
}
