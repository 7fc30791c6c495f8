/**
 * Threshold ruleset versions in PostgreSQL, and their lifecycle: draft -> validated -> approved (by a second
 * administrator) -> published (now or at a set time) -> superseded; rollback republishes an earlier version as a
 * new one. A published version never changes (a trigger refuses it), so it is cached in memory once read.
 *
 * Which version is in force at an instant: of the published versions whose effective time has come, the one published
 * last (so a later publish overrides a version still waiting for its time). Before the first version took effect,
 * the first version applies (there was nothing earlier). Every step takes a per-borough advisory lock, so concurrent
 * administrators and start-ups are serialised.
 */
import { z } from 'zod';
import type { BoroughRegistry } from '../rules/borough-config';
import { contentHash } from '../rules/content-hash';
import { validateRuleset, type RulesetValidation } from '../rules/ruleset-validation';
import { parseRuleset, type Ruleset, type RulesetProblem } from '../rules/thresholds';
import { toJson } from './casework';
import type { Sql, Tx } from './sql';

/** Where a version stands. PUBLISHED covers both in force and scheduled (see `inForce` and `effectiveFrom`). */
export type RulesetStatus = 'DRAFT' | 'VALIDATED' | 'APPROVED' | 'PUBLISHED' | 'SUPERSEDED';

/** Who makes a change, for the audit trail. */
export interface Actor {
  userId: string;
  role: string;
}

/** One ruleset version as stored, with its lifecycle. `content` is the JSON as stored (a draft may be invalid). */
export interface RulesetVersionRecord {
  borough: string;
  version: number;
  status: RulesetStatus;
  /** True for the one version in force now. */
  inForce: boolean;
  content: unknown;
  contentHash: string;
  author: string;
  reason: string;
  basedOnVersion: number | null;
  rollbackOf: number | null;
  source: string | null;
  /** The problems found by the last validation since the content last changed; null if not validated since. */
  problems: RulesetProblem[] | null;
  validatedAt: Date | null;
  approvedBy: string | null;
  approvedAt: Date | null;
  approvalReason: string | null;
  publishedBy: string | null;
  publishedAt: Date | null;
  publishReason: string | null;
  effectiveFrom: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A published version ready to evaluate: `hash` is its content hash, as every recommendation records it. */
export interface PublishedRuleset {
  borough: string;
  version: number;
  hash: string;
  ruleset: Ruleset;
}

/** One entry of the append-only audit trail. */
export interface RulesetAuditEntry {
  id: number;
  borough: string;
  version: number | null;
  action: string;
  actor: string;
  role: string;
  at: Date;
  reason: string | null;
  detail: unknown;
}

export type RulesetErrorCode = 'NOT_FOUND' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'RULESET_INVALID' | 'RULESET_WRONG_STATE' | 'SECOND_ADMINISTRATOR_REQUIRED';

/** A refused ruleset operation: `code` is the API error code; `problems` lists every problem for RULESET_INVALID. */
export class RulesetError extends Error {
  constructor(
    readonly code: RulesetErrorCode,
    message: string,
    readonly problems: RulesetProblem[] = [],
  ) {
    super(message);
    this.name = 'RulesetError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The running system: which version decides, at start-up and on replay

const published = new Map<string, PublishedRuleset>();

/**
 * The published version in force at `at` for `borough` (see the module comment), parsed and ready to evaluate.
 * One small query per call; the content is cached per (borough, version), so the rules engine built for it is reused.
 * Throws RulesetError NOT_FOUND when the borough has no published version (start-up seeds one: syncSeedRulesets).
 */
export async function rulesetInForce(sql: Sql | Tx, borough: string, at: Date): Promise<PublishedRuleset> {
  const version = await versionInForceAt(sql, borough, at);
  if (version === null) {
    throw new RulesetError('NOT_FOUND', `Borough "${borough}" has no published threshold ruleset: start-up seeds one from borough-config/${borough}/thresholds.json (syncSeedRulesets).`);
  }
  return rulesetVersion(sql, borough, version);
}

/**
 * A published version by number, for replaying a past decision. Checks the stored content still has its recorded
 * hash. Throws RulesetError NOT_FOUND when that version was never published.
 */
export async function rulesetVersion(sql: Sql | Tx, borough: string, version: number): Promise<PublishedRuleset> {
  const key = `${borough}\u0000${version}`;
  const cached = published.get(key);
  if (cached) return cached;
  const [row] = await sql<{ contentText: string; contentHash: string }[]>`
    select content::text as content_text, content_hash from ruleset_versions
    where borough = ${borough} and version = ${version} and status = 'PUBLISHED'`;
  if (!row) throw new RulesetError('NOT_FOUND', `Borough "${borough}" has no published threshold ruleset version ${version}.`);
  const parsed = parseRuleset(JSON.parse(row.contentText));
  if (!parsed.ok || parsed.hash !== row.contentHash) {
    throw new Error(`Stored ruleset version ${version} of borough "${borough}" does not match its recorded content hash ${row.contentHash}: the table has been altered outside Front Door.`);
  }
  const entry: PublishedRuleset = { borough, version, hash: parsed.hash, ruleset: parsed.ruleset };
  published.set(key, entry);
  return entry;
}

async function versionInForceAt(sql: Sql | Tx, borough: string, at: Date): Promise<number | null> {
  const [row] = await sql<{ version: number }[]>`
    select version from ruleset_versions
    where borough = ${borough} and status = 'PUBLISHED'
    order by (effective_from <= ${at}) desc,
      case when effective_from <= ${at} then publish_seq end desc nulls last,
      effective_from, publish_seq
    limit 1`;
  return row?.version ?? null;
}

/**
 * At start-up: for each borough whose `thresholds.json` content is not yet stored, stores it and publishes it at
 * once as the next version (author `actor`, reason "seeded from borough-config/<b>/thresholds.json"). The file is
 * the seed; later changes go through the lifecycle, and a file already seeded is never published again, even after
 * other versions. Idempotent and safe when several processes start at once. Returns what it did per borough.
 */
export async function syncSeedRulesets(
  sql: Sql,
  registry: BoroughRegistry,
  actor = 'borough-config',
  now: Date = new Date(),
): Promise<{ borough: string; version: number; seeded: boolean }[]> {
  const results: { borough: string; version: number; seeded: boolean }[] = [];
  for (const borough of [...registry.values()].sort((a, b) => a.code.localeCompare(b.code))) {
    const result = await sql.begin(async (tx) => {
      await lock(tx, borough.code);
      const [existing] = await tx<{ version: number }[]>`
        select version from ruleset_versions where borough = ${borough.code} and source_hash = ${borough.rulesetHash}`;
      if (existing) return { borough: borough.code, version: existing.version, seeded: false };
      const version = await nextVersion(tx, borough.code);
      const source = `borough-config/${borough.code}/thresholds.json`;
      const checked = validateRuleset({ ...borough.ruleset, version }, { borough: borough.code, version });
      if (!checked.valid) throw new RulesetError('RULESET_INVALID', `${source} is not a valid ruleset as version ${version}.`, checked.problems);
      const reason = `seeded from ${source}`;
      await tx`
        insert into ruleset_versions (borough, version, status, content, content_hash, author, reason, source, source_hash, problems,
          validated_at, published_by, published_at, publish_reason, effective_from, publish_seq, created_at, updated_at)
        values (${borough.code}, ${version}, 'PUBLISHED', ${tx.json(toJson(checked.ruleset))}, ${checked.hash}, ${actor}, ${reason}, ${source},
          ${borough.rulesetHash}, ${tx.json([])}, ${now}, ${actor}, ${now}, ${reason}, ${now}, nextval('ruleset_publish_seq'), ${now}, ${now})`;
      await audit(tx, { borough: borough.code, version, action: 'SEED', actor: { userId: actor, role: 'system' }, at: now, reason, detail: { hash: checked.hash, sourceHash: borough.rulesetHash } });
      return { borough: borough.code, version, seeded: true };
    });
    results.push(result);
  }
  return results;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading versions

/** Every version of a borough's ruleset, newest first, with each one's status at `now`. */
export async function listRulesetVersions(sql: Sql | Tx, borough: string, now: Date): Promise<RulesetVersionRecord[]> {
  const inForce = await versionInForceAt(sql, borough, now);
  const rows = await sql<VersionRow[]>`${selectVersions(sql, borough, now)} order by v.version desc`;
  return rows.map((row) => toRecord(row, inForce));
}

/** One version (any status), or null. */
export async function findRulesetVersion(sql: Sql | Tx, borough: string, version: number, now: Date): Promise<RulesetVersionRecord | null> {
  const inForce = await versionInForceAt(sql, borough, now);
  const [row] = await sql<VersionRow[]>`${selectVersions(sql, borough, now)} and v.version = ${version}`;
  return row ? toRecord(row, inForce) : null;
}

/** The version in force at `now`, or null when the borough has none. */
export async function findRulesetInForce(sql: Sql | Tx, borough: string, now: Date): Promise<RulesetVersionRecord | null> {
  const version = await versionInForceAt(sql, borough, now);
  return version === null ? null : findRulesetVersion(sql, borough, version, now);
}

/** The audit trail of a borough's rulesets (of one version, when given), oldest first. */
export async function rulesetAuditTrail(sql: Sql | Tx, borough: string, version?: number): Promise<RulesetAuditEntry[]> {
  const rows = await sql<(Omit<RulesetAuditEntry, 'detail' | 'id'> & { id: string; detailText: string })[]>`
    select id, borough, version, action, actor, role, at, reason, detail::text as detail_text from ruleset_audit
    where borough = ${borough} ${version === undefined ? sql`` : sql`and version = ${version}`}
    order by at, id`;
  return rows.map(({ detailText, id, ...row }) => ({ ...row, id: Number(id), detail: JSON.parse(detailText) as unknown }));
}

// ---------------------------------------------------------------------------------------------------------------
// The lifecycle

/**
 * Starts a new draft as the borough's next version: `content` when given, else a copy of `basedOnVersion` (default:
 * the version in force). Front Door sets the content's `borough` and `version`; the content may be invalid until it
 * is validated.
 */
export async function createRulesetDraft(
  sql: Sql,
  input: { borough: string; actor: Actor; now: Date; reason: string; content?: unknown; basedOnVersion?: number },
): Promise<RulesetVersionRecord> {
  const { borough, actor, now, reason } = input;
  requireReason(reason);
  return sql.begin(async (tx) => {
    await lock(tx, borough);
    let basedOn = input.basedOnVersion ?? null;
    let content = input.content;
    if (content === undefined || basedOn !== null) {
      basedOn ??= await versionInForceAt(tx, borough, now);
      if (basedOn === null) throw new RulesetError('NOT_FOUND', `Borough "${borough}" has no published ruleset to start from: give the draft's content.`);
      const base = await findRulesetVersion(tx, borough, basedOn, now);
      if (!base) throw new RulesetError('NOT_FOUND', `Borough "${borough}" has no ruleset version ${basedOn} to start from.`);
      content ??= base.content;
    }
    const version = await nextVersion(tx, borough);
    const stamped = stamp(content, borough, version);
    await tx`
      insert into ruleset_versions (borough, version, status, content, content_hash, author, reason, based_on_version, created_at, updated_at)
      values (${borough}, ${version}, 'DRAFT', ${tx.json(toJson(stamped))}, ${contentHash(stamped)}, ${actor.userId}, ${reason}, ${basedOn}, ${now}, ${now})`;
    await audit(tx, { borough, version, action: 'CREATE_DRAFT', actor, at: now, reason, detail: { basedOnVersion: basedOn, hash: contentHash(stamped) } });
    return mustFind(tx, borough, version, now);
  });
}

/** Replaces a draft's content. Only its author may; any validation or approval it had is void, so it is a DRAFT again. */
export async function updateRulesetDraft(
  sql: Sql,
  input: { borough: string; version: number; actor: Actor; now: Date; reason: string; content: unknown },
): Promise<RulesetVersionRecord> {
  const { borough, version, actor, now, reason } = input;
  requireReason(reason);
  return sql.begin(async (tx) => {
    await lock(tx, borough);
    const current = await mustFind(tx, borough, version, now);
    refusePublished(current, 'changed: start a new draft from it (createRulesetDraft with basedOnVersion)');
    if (current.author !== actor.userId) {
      throw new RulesetError('FORBIDDEN', `Only the draft's author (${current.author}) can change version ${version}: start your own draft from it (createRulesetDraft with basedOnVersion: ${version}).`);
    }
    const stamped = stamp(input.content, borough, version);
    await tx`
      update ruleset_versions set status = 'DRAFT', content = ${tx.json(toJson(stamped))}, content_hash = ${contentHash(stamped)}, reason = ${reason},
        problems = null, validated_at = null, approved_by = null, approved_at = null, approval_reason = null, updated_at = ${now}
      where borough = ${borough} and version = ${version}`;
    await audit(tx, { borough, version, action: 'UPDATE_DRAFT', actor, at: now, reason, detail: { previousStatus: current.status, previousHash: current.contentHash, hash: contentHash(stamped) } });
    return mustFind(tx, borough, version, now);
  });
}

/**
 * Validates a version as a whole (validateRuleset) and records the outcome: a valid draft becomes VALIDATED; an
 * invalid one stays (or goes back to) DRAFT with its problems. A published version is checked but never changes.
 */
export async function validateRulesetVersion(
  sql: Sql,
  input: { borough: string; version: number; actor: Actor; now: Date },
): Promise<{ validation: RulesetValidation; record: RulesetVersionRecord }> {
  const { borough, version, actor, now } = input;
  return sql.begin(async (tx) => {
    await lock(tx, borough);
    const current = await mustFind(tx, borough, version, now);
    const validation = validateRuleset(current.content, { borough, version });
    if (current.status !== 'PUBLISHED' && current.status !== 'SUPERSEDED') {
      const status = !validation.valid ? 'DRAFT' : current.status === 'DRAFT' ? 'VALIDATED' : current.status;
      await tx`
        update ruleset_versions set status = ${status}, problems = ${tx.json(toJson(validation.problems))}, validated_at = ${now}, updated_at = ${now},
          approved_by = ${status === 'APPROVED' ? current.approvedBy : null}, approved_at = ${status === 'APPROVED' ? current.approvedAt : null},
          approval_reason = ${status === 'APPROVED' ? current.approvalReason : null}
        where borough = ${borough} and version = ${version}`;
      await audit(tx, { borough, version, action: 'VALIDATE', actor, at: now, reason: null, detail: { valid: validation.valid, problems: validation.problems.length, warnings: validation.warnings.length, status } });
    }
    return { validation, record: await mustFind(tx, borough, version, now) };
  });
}

/** A second administrator (never the author) approves a VALIDATED version. */
export async function approveRulesetVersion(
  sql: Sql,
  input: { borough: string; version: number; actor: Actor; now: Date; reason: string },
): Promise<RulesetVersionRecord> {
  const { borough, version, actor, now, reason } = input;
  requireReason(reason);
  return sql.begin(async (tx) => {
    await lock(tx, borough);
    const current = await mustFind(tx, borough, version, now);
    refusePublished(current, 'approved again');
    if (current.status === 'APPROVED') throw new RulesetError('RULESET_WRONG_STATE', `Version ${version} is already approved (by ${current.approvedBy}): publish it with publishRuleset.`);
    if (current.status === 'DRAFT') {
      throw new RulesetError('RULESET_WRONG_STATE', `Version ${version} is a DRAFT that has not passed validation: run validateRuleset and fix any problems before it can be approved.`);
    }
    if (current.author === actor.userId) {
      throw new RulesetError('SECOND_ADMINISTRATOR_REQUIRED', `You wrote version ${version}, so you cannot approve it: a second administrator of ${borough} must approve it.`);
    }
    await tx`
      update ruleset_versions set status = 'APPROVED', approved_by = ${actor.userId}, approved_at = ${now}, approval_reason = ${reason}, updated_at = ${now}
      where borough = ${borough} and version = ${version}`;
    await audit(tx, { borough, version, action: 'APPROVE', actor, at: now, reason, detail: { author: current.author, hash: current.contentHash } });
    return mustFind(tx, borough, version, now);
  });
}

/**
 * Publishes an APPROVED version, taking effect at `effectiveFrom` (default now; never in the past, so a publish
 * changes only later decisions). Validates it again first and refuses, listing every problem, if it is invalid.
 */
export async function publishRulesetVersion(
  sql: Sql,
  input: { borough: string; version: number; actor: Actor; now: Date; reason: string; effectiveFrom?: Date },
): Promise<RulesetVersionRecord> {
  const { borough, version, actor, now, reason } = input;
  requireReason(reason);
  const effectiveFrom = effectiveTime(input.effectiveFrom, now);
  return sql.begin(async (tx) => {
    await lock(tx, borough);
    const current = await mustFind(tx, borough, version, now);
    refusePublished(current, 'published again: to bring it back, use rollbackRuleset');
    const validation = validateRuleset(current.content, { borough, version });
    if (!validation.valid) {
      throw new RulesetError('RULESET_INVALID', `Version ${version} cannot be published: it has ${plural(validation.problems.length, 'problem')}. Fix them in the draft and validate it again.`, validation.problems);
    }
    if (current.status !== 'APPROVED') {
      throw new RulesetError(
        'RULESET_WRONG_STATE',
        current.status === 'VALIDATED'
          ? `Version ${version} is validated but not approved: a second administrator must approve it (approveRuleset) before it is published.`
          : `Version ${version} is a DRAFT: validate it (validateRuleset), then a second administrator approves it, before it is published.`,
      );
    }
    const previous = await versionInForceAt(tx, borough, now);
    await tx`
      update ruleset_versions set status = 'PUBLISHED', content = ${tx.json(toJson(validation.ruleset))}, content_hash = ${validation.hash},
        problems = ${tx.json([])}, validated_at = ${now}, published_by = ${actor.userId}, published_at = ${now}, publish_reason = ${reason},
        effective_from = ${effectiveFrom}, publish_seq = nextval('ruleset_publish_seq'), updated_at = ${now}
      where borough = ${borough} and version = ${version}`;
    await audit(tx, { borough, version, action: 'PUBLISH', actor, at: now, reason, detail: { hash: validation.hash, effectiveFrom: effectiveFrom.toISOString(), inForceBefore: previous } });
    return mustFind(tx, borough, version, now);
  });
}

/**
 * Republishes an earlier published version's content as a new version, in force from `effectiveFrom` (default now).
 * The content was approved when first published; it is validated again, and refused if no longer valid.
 */
export async function rollbackRuleset(
  sql: Sql,
  input: { borough: string; toVersion: number; actor: Actor; now: Date; reason: string; effectiveFrom?: Date },
): Promise<RulesetVersionRecord> {
  const { borough, toVersion, actor, now, reason } = input;
  requireReason(reason);
  const effectiveFrom = effectiveTime(input.effectiveFrom, now);
  return sql.begin(async (tx) => {
    await lock(tx, borough);
    const target = await mustFind(tx, borough, toVersion, now);
    if (target.status !== 'PUBLISHED' && target.status !== 'SUPERSEDED') {
      throw new RulesetError('RULESET_WRONG_STATE', `Version ${toVersion} was never published, so there is nothing to roll back to: publish it through approval instead.`);
    }
    const previous = await versionInForceAt(tx, borough, now);
    if (target.inForce) throw new RulesetError('RULESET_WRONG_STATE', `Version ${toVersion} is already in force.`);
    const version = await nextVersion(tx, borough);
    const checked = validateRuleset(stamp(target.content, borough, version), { borough, version });
    if (!checked.valid) {
      throw new RulesetError('RULESET_INVALID', `Version ${toVersion} cannot be republished: it has ${plural(checked.problems.length, 'problem')} under today's checks.`, checked.problems);
    }
    await tx`
      insert into ruleset_versions (borough, version, status, content, content_hash, author, reason, based_on_version, rollback_of, problems,
        validated_at, published_by, published_at, publish_reason, effective_from, publish_seq, created_at, updated_at)
      values (${borough}, ${version}, 'PUBLISHED', ${tx.json(toJson(checked.ruleset))}, ${checked.hash}, ${actor.userId}, ${reason}, ${toVersion}, ${toVersion},
        ${tx.json([])}, ${now}, ${actor.userId}, ${now}, ${reason}, ${effectiveFrom}, nextval('ruleset_publish_seq'), ${now}, ${now})`;
    await audit(tx, { borough, version, action: 'ROLLBACK', actor, at: now, reason, detail: { rollbackOf: toVersion, inForceBefore: previous, hash: checked.hash, effectiveFrom: effectiveFrom.toISOString() } });
    return mustFind(tx, borough, version, now);
  });
}

/** Appends one entry to the audit trail (inside the caller's transaction). */
export async function audit(
  tx: Sql | Tx,
  entry: { borough: string; version: number | null; action: string; actor: Actor; at: Date; reason: string | null; detail: Record<string, unknown> },
): Promise<void> {
  await tx`
    insert into ruleset_audit (borough, version, action, actor, role, at, reason, detail)
    values (${entry.borough}, ${entry.version}, ${entry.action}, ${entry.actor.userId}, ${entry.actor.role}, ${entry.at}, ${entry.reason}, ${tx.json(toJson(entry.detail))})`;
}

// ---------------------------------------------------------------------------------------------------------------

interface VersionRow {
  borough: string;
  version: number;
  status: 'DRAFT' | 'VALIDATED' | 'APPROVED' | 'PUBLISHED';
  contentText: string;
  contentHash: string;
  author: string;
  reason: string;
  basedOnVersion: number | null;
  rollbackOf: number | null;
  source: string | null;
  problemsText: string | null;
  validatedAt: Date | null;
  approvedBy: string | null;
  approvedAt: Date | null;
  approvalReason: string | null;
  publishedBy: string | null;
  publishedAt: Date | null;
  publishReason: string | null;
  effectiveFrom: Date | null;
  createdAt: Date;
  updatedAt: Date;
  superseded: boolean;
}

// JSON is read as text and parsed here: postgres.js would otherwise rewrite snake_case keys inside it.
function selectVersions(sql: Sql | Tx, borough: string, now: Date) {
  return sql`
    select v.borough, v.version, v.status, v.content::text as content_text, v.content_hash, v.author, v.reason, v.based_on_version, v.rollback_of,
      v.source, v.problems::text as problems_text, v.validated_at, v.approved_by, v.approved_at, v.approval_reason, v.published_by,
      v.published_at, v.publish_reason, v.effective_from, v.created_at, v.updated_at,
      (v.status = 'PUBLISHED' and exists (
        select 1 from ruleset_versions later
        where later.borough = v.borough and later.status = 'PUBLISHED' and later.publish_seq > v.publish_seq
          and later.effective_from <= greatest(${now}::timestamptz, v.effective_from))) as superseded
    from ruleset_versions v
    where v.borough = ${borough}`;
}

const ProblemsSchema = z.array(z.object({ path: z.string(), message: z.string() }));

function toRecord(row: VersionRow, inForceVersion: number | null): RulesetVersionRecord {
  const { contentText, problemsText, superseded, status, ...rest } = row;
  const inForce = status === 'PUBLISHED' && row.version === inForceVersion;
  return {
    ...rest,
    status: status === 'PUBLISHED' && superseded && !inForce ? 'SUPERSEDED' : status,
    inForce,
    content: JSON.parse(contentText) as unknown,
    problems: problemsText === null ? null : ProblemsSchema.parse(JSON.parse(problemsText)),
  };
}

async function mustFind(tx: Sql | Tx, borough: string, version: number, now: Date): Promise<RulesetVersionRecord> {
  const found = await findRulesetVersion(tx, borough, version, now);
  if (!found) throw new RulesetError('NOT_FOUND', `Borough "${borough}" has no ruleset version ${version}.`);
  return found;
}

function refusePublished(record: RulesetVersionRecord, what: string): void {
  if (record.status === 'PUBLISHED' || record.status === 'SUPERSEDED') {
    throw new RulesetError('RULESET_WRONG_STATE', `Version ${record.version} is published and can never be ${what}.`);
  }
}

async function lock(tx: Tx, borough: string): Promise<void> {
  await tx`select pg_advisory_xact_lock(hashtext(${`front-door:rulesets:${borough}`}))`;
}

async function nextVersion(tx: Tx, borough: string): Promise<number> {
  const [row] = await tx<{ next: number }[]>`select coalesce(max(version), 0) + 1 as next from ruleset_versions where borough = ${borough}`;
  return row?.next ?? 1;
}

/** The content with Front Door's `borough` and `version` set (when it is an object at all). */
function stamp(content: unknown, borough: string, version: number): unknown {
  return typeof content === 'object' && content !== null && !Array.isArray(content) ? { ...content, borough, version } : content;
}

function effectiveTime(requested: Date | undefined, now: Date): Date {
  if (!requested) return now;
  if (requested.getTime() < now.getTime() - 60_000) {
    throw new RulesetError('BAD_USER_INPUT', 'effectiveFrom must not be in the past: a publish changes only decisions made after it. Leave it out to publish now.');
  }
  return requested.getTime() < now.getTime() ? now : requested;
}

function requireReason(reason: string): void {
  if (reason.trim().length === 0) throw new RulesetError('BAD_USER_INPUT', 'reason must say why (it goes in the audit trail).');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
