import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { syncBoroughSettings } from '../../db/borough-settings';
import { rulesetInForce, rulesetVersion, syncSeedRulesets } from '../../db/rulesets';
import { insertPastContacts, type PastContactInput } from '../../db/synthetic-contacts';
import { evaluateThresholds, type ContactForRules, type Ruleset } from '../../rules/thresholds';
import { projectRoot } from '../../server/env';
import { eventually, startStack, type TestStack } from '../support/stack';

// Throwaway boroughs, added as folders and nothing else, so this file's publishing never touches hf, rbkc or wcc:
// `life` for the lifecycle, `sim` for simulation, replay and overrides.
const suffix = randomBytes(3).toString('hex');
const LIFE = `l${suffix}`;
const SIM = `s${suffix}`;

let stack: TestStack;
let hfRules: Ruleset;
const as: Record<string, string> = {};

const VERSION_FIELDS = 'borough version status inForce name contentHash author reason basedOnVersion rollbackOf source effectiveFrom approvedBy publishedBy problems { path message } audit { action actor role reason }';
type Version = {
  borough: string; version: number; status: string; inForce: boolean; name: string | null; contentHash: string; author: string; reason: string;
  basedOnVersion: number | null; rollbackOf: number | null; source: string | null; effectiveFrom: string | null; approvedBy: string | null; publishedBy: string | null;
  problems: { path: string; message: string }[] | null; audit: { action: string; actor: string; role: string; reason: string | null }[];
};

const CREATE = `mutation($input: CreateRulesetDraftInput!) { createRulesetDraft(input: $input) { ${VERSION_FIELDS} content } }`;
const UPDATE = `mutation($input: UpdateRulesetDraftInput!) { updateRulesetDraft(input: $input) { ${VERSION_FIELDS} } }`;
const VALIDATE = `mutation($borough: String!, $version: Int!) { validateRuleset(borough: $borough, version: $version) {
  valid problems { path message } warnings { path message } coverage { contactsChecked decidedByDefault rules { ruleId fired decided } } ruleset { ${VERSION_FIELDS} } } }`;
const APPROVE = `mutation($input: ApproveRulesetInput!) { approveRuleset(input: $input) { ${VERSION_FIELDS} } }`;
const PUBLISH = `mutation($input: PublishRulesetInput!) { publishRuleset(input: $input) { ${VERSION_FIELDS} } }`;
const ROLLBACK = `mutation($input: RollbackRulesetInput!) { rollbackRuleset(input: $input) { ${VERSION_FIELDS} content } }`;
const VERSIONS = `query($borough: String!) { rulesetVersions(borough: $borough) { ${VERSION_FIELDS} } }`;
const IN_FORCE = `query($borough: String!) { ruleset(borough: $borough) { ${VERSION_FIELDS} } }`;

beforeAll(async () => {
  const configDir = path.join(inject('scratchDir'), `borough-config-rulesets-${suffix}`);
  await fs.cp(path.join(projectRoot, 'borough-config'), configDir, { recursive: true });
  for (const code of [LIFE, SIM]) {
    await fs.mkdir(path.join(configDir, code));
    const settings = JSON.parse(await fs.readFile(path.join(configDir, 'hf', 'borough.json'), 'utf8')) as Record<string, unknown>;
    await fs.writeFile(path.join(configDir, code, 'borough.json'), JSON.stringify({ ...settings, code, name: `Test borough ${code}` }));
    const rules = JSON.parse(await fs.readFile(path.join(configDir, 'hf', 'thresholds.json'), 'utf8')) as Record<string, unknown>;
    await fs.writeFile(path.join(configDir, code, 'thresholds.json'), JSON.stringify({ ...rules, borough: code, name: `Test rules ${code}` }));
  }
  stack = await startStack({ boroughConfigDir: configDir });
  // What start-up does (server/infra/boot.ts); three at once, as when several processes start together.
  await Promise.all([1, 2, 3].map(() => syncSeedRulesets(stack.sql, stack.boroughs)));
  await syncBoroughSettings(stack.sql, stack.boroughs);
  hfRules = stack.boroughs.get('hf')!.ruleset;
  as.alice = await stack.token({ user: 'alice', roles: ['administrator'], boroughs: [LIFE, SIM] });
  as.bob = await stack.token({ user: 'bob', roles: ['administrator'], boroughs: [LIFE, SIM] });
  as.practitioner = await stack.token({ user: 'pat', roles: ['practitioner', 'manager'], boroughs: [LIFE, SIM] });
  as.auditor = await stack.token({ user: 'audrey', roles: ['auditor'], boroughs: [LIFE, SIM] });
  as.hfAdmin = await stack.token({ user: 'hana', roles: ['administrator'], boroughs: ['hf'] });
  as.allAdmin = await stack.token({ user: 'root', roles: ['administrator'], boroughs: ['hf', 'rbkc', 'wcc'] });
  as.hfWorker = await stack.token({ user: 'worker', roles: ['practitioner'], boroughs: ['hf'] });
});
afterAll(async () => {
  await stack?.stop();
});

/** A GraphQL call that must succeed. */
async function ok<T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const result = await stack.graphql<T>(query, variables, token);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data!;
}

/** A GraphQL call that must fail; returns its first error. */
async function refused(query: string, variables: Record<string, unknown>, token: string | null) {
  const result = await stack.graphql(query, variables, token);
  expect(result.errors, 'expected an error').toBeDefined();
  return result.errors![0]!;
}

/** The hf rules with domestic abuse and a child under 5 at level 4 RED, and repeat contacts counted from 2. */
function stricterRules(borough: string): Record<string, unknown> {
  const rules = structuredClone(hfRules);
  const daU5 = rules.rules.find((r) => r.id === 'da-u5')!;
  daU5.outcome = { levelOfNeed: 4, pathway: 'MASH_ENQUIRY', rag: 'RED' };
  for (const rule of rules.rules.filter((r) => r.id === 'repeat-l2' || r.id === 'neglect-repeat')) {
    rule.conditions = JSON.parse(JSON.stringify(rule.conditions).replace('"value":3', '"value":2')) as typeof rule.conditions;
  }
  return { ...rules, borough, name: 'Stricter test rules' };
}

describe('seeding from the borough folders', () => {
  it('publishes each borough\'s thresholds.json once, as its first version, whatever the number of start-ups', async () => {
    const { rulesetVersions } = await ok<{ rulesetVersions: Version[] }>(VERSIONS, { borough: LIFE }, as.alice!);
    expect(rulesetVersions).toHaveLength(1);
    expect(rulesetVersions[0]).toMatchObject({
      version: 1, status: 'PUBLISHED', inForce: true, name: `Test rules ${LIFE}`, author: 'borough-config', source: `borough-config/${LIFE}/thresholds.json`,
      reason: `seeded from borough-config/${LIFE}/thresholds.json`, audit: [{ action: 'SEED', actor: 'borough-config', role: 'system' }],
    });
    expect(rulesetVersions[0]!.contentHash).toBe(stack.boroughs.get(LIFE)!.rulesetHash);
    expect(await syncSeedRulesets(stack.sql, stack.boroughs)).toContainEqual({ borough: LIFE, version: 1, seeded: false });
  });
});

describe('the lifecycle: draft, validate, approve by a second administrator, publish, supersede, roll back', () => {
  it('takes a change from draft to in force, and back again by rollback', async () => {
    const draft = (await ok<{ createRulesetDraft: Version & { content: Record<string, unknown> } }>(CREATE, { input: { borough: LIFE, content: stricterRules('somewhere-else'), reason: 'Align DA under-5 with wcc' } }, as.alice!)).createRulesetDraft;
    expect(draft).toMatchObject({ version: 2, status: 'DRAFT', inForce: false, author: 'alice', problems: null, audit: [{ action: 'CREATE_DRAFT', actor: 'alice', role: 'administrator', reason: 'Align DA under-5 with wcc' }] });
    expect(draft.content).toMatchObject({ borough: LIFE, version: 2 });

    // Not validated yet: it cannot be approved, nor published.
    expect(await refused(APPROVE, { input: { borough: LIFE, version: 2, reason: 'ok' } }, as.bob!)).toMatchObject({ extensions: { code: 'RULESET_WRONG_STATE' } });
    expect(await refused(PUBLISH, { input: { borough: LIFE, version: 2, reason: 'go' } }, as.alice!)).toMatchObject({ extensions: { code: 'RULESET_WRONG_STATE' }, message: expect.stringMatching(/is a DRAFT: validate it/) as string });

    const validated = (await ok<{ validateRuleset: { valid: boolean; problems: unknown[]; coverage: { contactsChecked: number }; ruleset: Version } }>(VALIDATE, { borough: LIFE, version: 2 }, as.alice!)).validateRuleset;
    expect(validated).toMatchObject({ valid: true, problems: [], ruleset: { status: 'VALIDATED', problems: [] } });
    expect(validated.coverage.contactsChecked).toBeGreaterThan(10_000);

    const own = await refused(APPROVE, { input: { borough: LIFE, version: 2, reason: 'looks right' } }, as.alice!);
    expect(own).toMatchObject({ extensions: { code: 'SECOND_ADMINISTRATOR_REQUIRED' }, message: expect.stringMatching(/You wrote version 2, so you cannot approve it/) as string });
    const approved = (await ok<{ approveRuleset: Version }>(APPROVE, { input: { borough: LIFE, version: 2, reason: 'Checked against the wcc practice note' } }, as.bob!)).approveRuleset;
    expect(approved).toMatchObject({ status: 'APPROVED', approvedBy: 'bob' });

    const beforePublish = new Date();
    const published = (await ok<{ publishRuleset: Version }>(PUBLISH, { input: { borough: LIFE, version: 2, reason: 'Agreed at the threshold board' } }, as.alice!)).publishRuleset;
    const afterPublish = new Date();
    expect(published).toMatchObject({ version: 2, status: 'PUBLISHED', inForce: true, publishedBy: 'alice' });
    expect(published.audit.map((a) => `${a.action} ${a.actor}`)).toEqual(['CREATE_DRAFT alice', 'VALIDATE alice', 'APPROVE bob', 'PUBLISH alice']);

    // A contact received before the publish keeps version 1; one received after gets version 2.
    expect((await rulesetInForce(stack.sql, LIFE, beforePublish)).version).toBe(1);
    expect((await rulesetInForce(stack.sql, LIFE, new Date(afterPublish.getTime() + 1))).version).toBe(2);
    const before = await rulesetInForce(stack.sql, LIFE, beforePublish);
    const after = await rulesetInForce(stack.sql, LIFE, afterPublish);
    const daUnder5: ContactForRules = { receivedAt: afterPublish.toISOString(), referrerType: 'POLICE', consent: 'NOT_SOUGHT', indicators: ['DOMESTIC_ABUSE'], children: [{ dateOfBirth: '2024-01-01' }] };
    expect(await evaluateThresholds(before.ruleset, before.hash, daUnder5)).toMatchObject({ levelOfNeed: 3, rag: 'AMBER', rulesetVersion: 1 });
    expect(await evaluateThresholds(after.ruleset, after.hash, daUnder5)).toMatchObject({ levelOfNeed: 4, rag: 'RED', rulesetVersion: 2, rulesetHash: published.contentHash });

    let versions = (await ok<{ rulesetVersions: Version[] }>(VERSIONS, { borough: LIFE }, as.auditor!)).rulesetVersions;
    expect(versions.map((v) => [v.version, v.status, v.inForce])).toEqual([[2, 'PUBLISHED', true], [1, 'SUPERSEDED', false]]);

    // Published is for ever.
    const change = await refused(UPDATE, { input: { borough: LIFE, version: 2, content: stricterRules(LIFE), reason: 'tweak' } }, as.alice!);
    expect(change).toMatchObject({ extensions: { code: 'RULESET_WRONG_STATE' }, message: expect.stringMatching(/published and can never be changed/) as string });
    await expect(stack.sql`update ruleset_versions set reason = 'x' where borough = ${LIFE} and version = 2`).rejects.toThrow(/published and can never change/);
    await expect(stack.sql`delete from ruleset_audit where borough = ${LIFE}`).rejects.toThrow(/append-only/);

    const rolledBack = (await ok<{ rollbackRuleset: Version & { content: Record<string, unknown> } }>(ROLLBACK, { input: { borough: LIFE, toVersion: 1, reason: 'Too many RED enquiries for the MASH' } }, as.bob!)).rollbackRuleset;
    expect(rolledBack).toMatchObject({ version: 3, status: 'PUBLISHED', inForce: true, rollbackOf: 1, author: 'bob', audit: [{ action: 'ROLLBACK', actor: 'bob' }] });
    expect(rolledBack.content).toEqual({ ...(await rulesetVersion(stack.sql, LIFE, 1)).ruleset, version: 3 });
    versions = (await ok<{ rulesetVersions: Version[] }>(VERSIONS, { borough: LIFE }, as.alice!)).rulesetVersions;
    expect(versions.map((v) => [v.version, v.status, v.inForce])).toEqual([[3, 'PUBLISHED', true], [2, 'SUPERSEDED', false], [1, 'SUPERSEDED', false]]);
    expect(await refused(ROLLBACK, { input: { borough: LIFE, toVersion: 3, reason: 'again' } }, as.bob!)).toMatchObject({ extensions: { code: 'RULESET_WRONG_STATE' } });
  });

  it('publishes at a set time: the version in force changes only then', async () => {
    // Whatever the borough's history so far: the version in force now, and the next version number.
    const current = (await ok<{ ruleset: Version }>(IN_FORCE, { borough: LIFE }, as.alice!)).ruleset.version;
    const existing = (await ok<{ rulesetVersions: Version[] }>(VERSIONS, { borough: LIFE }, as.alice!)).rulesetVersions.map((v) => v.version);
    const draft = (await ok<{ createRulesetDraft: Version }>(CREATE, { input: { borough: LIFE, basedOnVersion: current, reason: 'Stricter again, from Monday' } }, as.bob!)).createRulesetDraft;
    expect(draft).toMatchObject({ status: 'DRAFT', basedOnVersion: current, version: Math.max(...existing) + 1 });
    await ok(VALIDATE, { borough: LIFE, version: draft.version }, as.bob!);
    await ok(APPROVE, { input: { borough: LIFE, version: draft.version, reason: 'ok' } }, as.alice!);
    const past = await refused(PUBLISH, { input: { borough: LIFE, version: draft.version, reason: 'backdated', effectiveFrom: '2026-01-01T00:00:00Z' } }, as.alice!);
    expect(past).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/must not be in the past/) as string });
    const at = new Date(Date.now() + 3_600_000);
    const scheduled = (await ok<{ publishRuleset: Version }>(PUBLISH, { input: { borough: LIFE, version: draft.version, reason: 'From the hour', effectiveFrom: at.toISOString() } }, as.alice!)).publishRuleset;
    expect(scheduled).toMatchObject({ status: 'PUBLISHED', inForce: false, effectiveFrom: at.toISOString() });
    expect((await ok<{ ruleset: Version }>(IN_FORCE, { borough: LIFE }, as.alice!)).ruleset.version).toBe(current);
    expect((await rulesetInForce(stack.sql, LIFE, new Date(at.getTime() - 1))).version).toBe(current);
    expect((await rulesetInForce(stack.sql, LIFE, at)).version).toBe(draft.version);
  });

  it('lets only the author change a draft, and a change voids its validation and approval', async () => {
    const draft = (await ok<{ createRulesetDraft: Version }>(CREATE, { input: { borough: LIFE, reason: 'Try something' } }, as.alice!)).createRulesetDraft;
    await ok(VALIDATE, { borough: LIFE, version: draft.version }, as.alice!);
    await ok(APPROVE, { input: { borough: LIFE, version: draft.version, reason: 'ok' } }, as.bob!);
    expect(await refused(UPDATE, { input: { borough: LIFE, version: draft.version, content: stricterRules(LIFE), reason: 'mine now' } }, as.bob!)).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    const updated = (await ok<{ updateRulesetDraft: Version }>(UPDATE, { input: { borough: LIFE, version: draft.version, content: stricterRules(LIFE), reason: 'Stricter' } }, as.alice!)).updateRulesetDraft;
    expect(updated).toMatchObject({ status: 'DRAFT', approvedBy: null, problems: null });
    expect(await refused(PUBLISH, { input: { borough: LIFE, version: draft.version, reason: 'go' } }, as.alice!)).toMatchObject({ extensions: { code: 'RULESET_WRONG_STATE' } });
  });

  it('refuses to publish an invalid draft, listing every problem with its path', async () => {
    const content = structuredClone(hfRules) as unknown as { rules: Record<string, unknown>[] };
    content.rules[0] = { ...content.rules[0], conditions: { all: [{ fact: 'childAge', operator: 'lessThan', value: 1 }] } };
    content.rules[1] = { ...content.rules[1], outcome: { levelOfNeed: 4, pathway: 'SOCIAL_WORK', rag: 'RED' } };
    content.rules[2] = { ...content.rules[2], id: 'fgm' };
    const draft = (await ok<{ createRulesetDraft: Version }>(CREATE, { input: { borough: LIFE, content, reason: 'Broken on purpose' } }, as.alice!)).createRulesetDraft;

    const error = await refused(PUBLISH, { input: { borough: LIFE, version: draft.version, reason: 'go' } }, as.alice!);
    expect(error.extensions?.code).toBe('RULESET_INVALID');
    expect(error.message).toMatch(/has 3 problems/);
    expect(error.extensions?.problems).toEqual([
      { field: 'content.rules[1].outcome.pathway', message: expect.any(String) as string },
      { field: 'content.rules[0].conditions.all[0].fact', message: expect.stringMatching(/unknown fact "childAge"/) as string },
      { field: 'content.rules[3].id', message: 'duplicate rule id "fgm" (also rules[2])' },
    ]);
    const validation = (await ok<{ validateRuleset: { valid: boolean; problems: { path: string }[]; coverage: unknown; ruleset: Version } }>(VALIDATE, { borough: LIFE, version: draft.version }, as.alice!)).validateRuleset;
    expect(validation).toMatchObject({ valid: false, coverage: null, ruleset: { status: 'DRAFT' } });
    expect(validation.ruleset.problems).toHaveLength(3);

    // Parses, but a rule can never fire and two rules tie between different outcomes.
    const parses = structuredClone(hfRules) as unknown as { rules: Record<string, unknown>[] };
    parses.rules[1] = { ...parses.rules[1], conditions: { all: [{ fact: 'anyChildUnder1', operator: 'equal', value: true }, { fact: 'anyChildUnder5', operator: 'equal', value: false }] } };
    parses.rules[3] = { ...parses.rules[3], outcome: { levelOfNeed: 4, pathway: 'IMMEDIATE_PROTECTION', rag: 'RED' } };
    const second = (await ok<{ createRulesetDraft: Version }>(CREATE, { input: { borough: LIFE, content: parses, reason: 'Subtly broken' } }, as.alice!)).createRulesetDraft;
    const coverage = await refused(PUBLISH, { input: { borough: LIFE, version: second.version, reason: 'go' } }, as.alice!);
    expect(coverage.extensions?.code).toBe('RULESET_INVALID');
    expect(coverage.extensions?.problems).toEqual(
      expect.arrayContaining([
        { field: 'content.rules[1].conditions', message: expect.stringMatching(/rule "inj-u1" can never fire/) as string },
        { field: 'content.rules[3].priority', message: expect.stringMatching(/rules "sexual-abuse" and "fgm" both fire/) as string },
      ]),
    );
  });

  it('is for administrators of the borough only', async () => {
    const input = { input: { borough: LIFE, reason: 'not allowed' } };
    expect(await refused(CREATE, input, null)).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(await refused(CREATE, input, as.practitioner!)).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringMatching(/needs one of the roles administrator/) as string });
    expect(await refused(CREATE, input, as.auditor!)).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(await refused(CREATE, input, as.hfAdmin!)).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringMatching(/not authorised for borough/) as string });
    expect(await refused(VERSIONS, { borough: LIFE }, as.hfAdmin!)).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(await refused(VERSIONS, { borough: LIFE }, as.practitioner!)).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(await refused(PUBLISH, { input: { borough: 'hf', version: 1, reason: 'x' } }, as.alice!)).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(await refused(`query { boroughConfig(borough: "hf") { code } }`, {}, as.alice!)).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(await refused(VERSIONS, { borough: 'nowhere' }, await stack.token({ user: 'x', roles: ['administrator'], boroughs: ['nowhere'] }))).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });
});

// ---------------------------------------------------------------------------------------------------------------

const SIMULATE = `mutation($input: SimulateRulesetInput!) { simulateRuleset(input: $input) {
  id borough rulesetVersion contactsInPeriod withoutRecommendation compared changed pathwayChanged ragChanged levelChanged
  pathwayMatrix { from to count } ragMatrix { from to count }
  changes { contactId from { levelOfNeed pathway rag decidingRuleId } fromRulesetVersion to { levelOfNeed pathway rag decidingRuleId summary }
    explanations { from { decidingRuleId facts rules { id fired } } to { decidingRuleId rulesetVersion explanation { rules { id fired conditions { fact factValue result } } } } } } } }`;

describe('simulation, replay and override analytics on a known set of past contacts', () => {
  const OCTOBER = { from: '2026-10-01T00:00:00Z', to: '2026-11-01T00:00:00Z' };
  const ids: Record<string, string[]> = {};

  beforeAll(async () => {
    const v1 = await rulesetVersion(stack.sql, SIM, 1);
    const contact = (day: number, overrides: Partial<ContactForRules>): ContactForRules => ({
      receivedAt: `2026-10-${String(day).padStart(2, '0')}T10:00:00Z`, referrerType: 'SCHOOL', consent: 'GIVEN', indicators: [], children: [{ dateOfBirth: '2016-05-01' }], ...overrides,
    });
    const recommended = async (c: ContactForRules): Promise<PastContactInput> => ({ contact: c, recommendation: await evaluateThresholds(v1.ruleset, v1.hash, c) });
    const many = async (n: number, make: (i: number) => ContactForRules) => Promise.all(Array.from({ length: n }, (_, i) => recommended(make(i))));
    ids.domesticAbuse = await insertPastContacts(stack.sql, SIM, await many(3, (i) => contact(2 + i, { indicators: ['DOMESTIC_ABUSE'], children: [{ dateOfBirth: '2023-02-01' }] })));
    ids.repeatBehaviour = await insertPastContacts(stack.sql, SIM, await many(2, (i) => contact(6 + i, { indicators: ['BEHAVIOUR'], previousContactsWithin12Months: 2 })));
    ids.babyInjury = await insertPastContacts(stack.sql, SIM, await many(4, (i) => contact(9 + i, { indicators: ['PHYSICAL_INJURY'], children: [{ dateOfBirth: '2026-07-01' }] })));
    ids.notYetRecommended = await insertPastContacts(stack.sql, SIM, [{ contact: contact(20, { indicators: ['NEGLECT'] }), recommendation: null }]);
    ids.september = await insertPastContacts(stack.sql, SIM, [await recommended({ ...contact(1, { indicators: ['DOMESTIC_ABUSE'], children: [{ dateOfBirth: '2023-02-01' }] }), receivedAt: '2026-09-30T22:59:59Z' })]);
  });

  it('counts the contacts whose recommendation would change, with the from -> to matrices and both explanations, writing only the report', async () => {
    const draft = (await ok<{ createRulesetDraft: Version }>(CREATE, { input: { borough: SIM, content: stricterRules(SIM), reason: 'What would stricter rules do?' } }, as.alice!)).createRulesetDraft;
    const count = async () => (await stack.sql<{ n: string }[]>`
      select (select count(*) from contacts where borough = ${SIM}) || '/' || (select count(*) from recommendations where borough = ${SIM}) || '/' ||
        (select count(*) from ruleset_versions where borough = ${SIM}) || '/' || (select count(*) from ruleset_audit where borough = ${SIM}) || '/' ||
        (select count(*) from simulation_reports where borough = ${SIM}) as n`)[0]!.n;
    const before = await count();

    type Report = {
      id: string; contactsInPeriod: number; withoutRecommendation: number; compared: number; changed: number; pathwayChanged: number; ragChanged: number; levelChanged: number;
      pathwayMatrix: { from: string; to: string; count: number }[]; ragMatrix: { from: string; to: string; count: number }[];
      changes: { contactId: string; from: Record<string, unknown>; fromRulesetVersion: number; to: Record<string, unknown>;
        explanations: { from: { decidingRuleId: string; facts: Record<string, unknown>; rules: { id: string; fired: boolean }[] }; to: { decidingRuleId: string; rulesetVersion: number; explanation: { rules: { id: string; fired: boolean; conditions: { fact: string; factValue: unknown; result: boolean | null }[] }[] } } } }[];
    };
    const report = (await ok<{ simulateRuleset: Report }>(SIMULATE, { input: { borough: SIM, version: draft.version, ...OCTOBER } }, as.alice!)).simulateRuleset;
    expect(report).toMatchObject({ contactsInPeriod: 10, withoutRecommendation: 1, compared: 9, changed: 5, pathwayChanged: 2, ragChanged: 5, levelChanged: 5 });
    expect(report.pathwayMatrix).toEqual([
      { from: 'EARLY_HELP', to: 'MASH_ENQUIRY', count: 2 },
      { from: 'MASH_ENQUIRY', to: 'MASH_ENQUIRY', count: 3 },
      { from: 'STRATEGY_DISCUSSION', to: 'STRATEGY_DISCUSSION', count: 4 },
    ]);
    expect(report.ragMatrix).toEqual([
      { from: 'GREEN', to: 'AMBER', count: 2 },
      { from: 'AMBER', to: 'RED', count: 3 },
      { from: 'RED', to: 'RED', count: 4 },
    ]);
    expect(report.changes.map((c) => c.contactId).sort()).toEqual([...ids.domesticAbuse!, ...ids.repeatBehaviour!].sort());
    const da = report.changes.find((c) => c.contactId === ids.domesticAbuse![0])!;
    expect(da).toMatchObject({
      from: { levelOfNeed: 3, pathway: 'MASH_ENQUIRY', rag: 'AMBER', decidingRuleId: 'da-u5' }, fromRulesetVersion: 1,
      to: { levelOfNeed: 4, pathway: 'MASH_ENQUIRY', rag: 'RED', decidingRuleId: 'da-u5', summary: expect.stringMatching(/^Level 4, MASH enquiry, RED because: domestic abuse in a household with a child under 5 \(rule da-u5, version \d+\)/) as string },
      explanations: { from: { decidingRuleId: 'da-u5', facts: { anyChildUnder5: true } }, to: { decidingRuleId: 'da-u5', rulesetVersion: draft.version } },
    });
    const repeat = report.changes.find((c) => c.contactId === ids.repeatBehaviour![0])!;
    expect(repeat).toMatchObject({ from: { pathway: 'EARLY_HELP', decidingRuleId: 'early-help' }, to: { pathway: 'MASH_ENQUIRY', decidingRuleId: 'repeat-l2' } });
    const repeatRule = repeat.explanations.to.explanation.rules.find((r) => r.id === 'repeat-l2')!;
    expect(repeatRule).toMatchObject({ fired: true, conditions: expect.arrayContaining([{ fact: 'previousContactsWithin12Months', factValue: 2, result: true }]) as unknown });

    const [contacts, recommendations, versions, audit, reports] = (await count()).split('/').map(Number);
    const [contactsBefore, recommendationsBefore, versionsBefore, auditBefore, reportsBefore] = before.split('/').map(Number);
    expect({ contacts, recommendations, versions, audit, reports }).toEqual({ contacts: contactsBefore, recommendations: recommendationsBefore, versions: versionsBefore, audit: auditBefore, reports: reportsBefore! + 1 });

    const stored = await ok<{ simulationReport: { id: string; changed: number; changes: unknown[] } }>(`query($id: ID!) { simulationReport(id: $id) { id changed changes(limit: 2) { contactId } } }`, { id: report.id }, as.auditor!);
    expect(stored.simulationReport).toMatchObject({ id: report.id, changed: 5 });
    expect(stored.simulationReport.changes).toHaveLength(2);
    expect(await refused(`query($id: ID!) { simulationReport(id: $id) { id } }`, { id: report.id }, as.hfAdmin!)).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });

  it('replays a past decision under its own version, which matches even after a newer version is published', async () => {
    const draft = (await ok<{ createRulesetDraft: Version }>(CREATE, { input: { borough: SIM, content: stricterRules(SIM), reason: 'Publish the stricter rules' } }, as.alice!)).createRulesetDraft;
    await ok(VALIDATE, { borough: SIM, version: draft.version }, as.alice!);
    await ok(APPROVE, { input: { borough: SIM, version: draft.version, reason: 'ok' } }, as.bob!);
    await ok(PUBLISH, { input: { borough: SIM, version: draft.version, reason: 'go' } }, as.bob!);

    const REPLAY = `query($id: ID!) { replayDecision(decisionId: $id) { decisionId borough rulesetVersion recordedHash versionHash matches differences
      original { levelOfNeed pathway rag decidingRuleId } replayed { levelOfNeed pathway rag decidingRuleId rulesetVersion rulesetHash } } }`;
    type Replay = { replayDecision: { borough: string; rulesetVersion: number; recordedHash: string; versionHash: string; matches: boolean; differences: string[]; original: unknown; replayed: Record<string, unknown> } };
    const replay = (await ok<Replay>(REPLAY, { id: ids.domesticAbuse![0] }, as.auditor!)).replayDecision;
    expect(replay).toMatchObject({ borough: SIM, rulesetVersion: 1, matches: true, differences: [], original: { levelOfNeed: 3, rag: 'AMBER', decidingRuleId: 'da-u5' }, replayed: { levelOfNeed: 3, rag: 'AMBER', rulesetVersion: 1 } });
    expect(replay.recordedHash).toBe(replay.versionHash);

    // A recorded decision that its version would not have made is shown as not matching, with what differs.
    await stack.sql`update recommendations set pathway = 'S17_ASSESSMENT', deciding_rule_id = 'prebirth' where borough = ${SIM} and contact_id = ${ids.domesticAbuse![1]!}`;
    const tampered = (await ok<Replay>(REPLAY, { id: ids.domesticAbuse![1] }, as.alice!)).replayDecision;
    expect(tampered.matches).toBe(false);
    expect(tampered.differences).toEqual(expect.arrayContaining(['pathway: recorded "S17_ASSESSMENT", replayed "MASH_ENQUIRY"', 'decidingRuleId: recorded "prebirth", replayed "da-u5"']));

    expect(await refused(REPLAY, { id: ids.domesticAbuse![0] }, as.hfAdmin!)).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    expect(await refused(REPLAY, { id: ids.domesticAbuse![0] }, as.practitioner!)).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
  });

  it('replays a recommendation the contact workflow made and stored', async () => {
    const received = await ok<{ receiveContact: { contactId: string } }>(
      `mutation($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }`,
      { input: { borough: 'hf', channel: 'PHONE', referrer: { type: 'SCHOOL', organisation: 'A school' }, children: [{ firstName: 'Ada', lastName: 'Example', dateOfBirth: '2022-03-01' }], indicators: ['DOMESTIC_ABUSE', 'NEGLECT'], summary: 'Test.', consent: 'GIVEN' } },
      as.hfWorker!,
    );
    const id = received.receiveContact.contactId;
    await eventually(() => stack.sql`select 1 from recommendations where borough = 'hf' and contact_id = ${id}`, (rows) => rows.length === 1);
    const replay = await ok<{ replayDecision: { matches: boolean; differences: string[]; rulesetVersion: number } }>(`query($id: ID!) { replayDecision(decisionId: $id) { matches differences rulesetVersion } }`, { id }, as.hfAdmin!);
    expect(replay.replayDecision).toMatchObject({ matches: true, differences: [] });
  });

  it('shows, per rule, how often people overrode its recommendation and to what', async () => {
    const decide = async (contactId: string, recommended: { pathway: string; rule: string }, pathway: string, overridden: boolean) => {
      await stack.sql`
        insert into screening_decisions (contact_id, borough, pathway, level_of_need, rag, overridden, reason, decided_by, decided_at, recommended_pathway, recommendation_rule_id)
        values (${contactId}, ${SIM}, ${pathway}, 4, 'RED', ${overridden}, ${overridden ? 'Professional judgement' : null}, 'sam', '2026-10-20T12:00:00Z', ${recommended.pathway}, ${recommended.rule})`;
    };
    const [da1, da2, da3] = ids.domesticAbuse!;
    await decide(da1!, { pathway: 'MASH_ENQUIRY', rule: 'da-u5' }, 'STRATEGY_DISCUSSION', true);
    await decide(da2!, { pathway: 'MASH_ENQUIRY', rule: 'da-u5' }, 'STRATEGY_DISCUSSION', true);
    await decide(da3!, { pathway: 'MASH_ENQUIRY', rule: 'da-u5' }, 'MASH_ENQUIRY', false);
    for (const [i, id] of ids.babyInjury!.entries()) await decide(id, { pathway: 'STRATEGY_DISCUSSION', rule: 'inj-u1' }, i === 0 ? 'IMMEDIATE_PROTECTION' : 'STRATEGY_DISCUSSION', i === 0);

    const { overrideAnalytics } = await ok<{ overrideAnalytics: unknown[] }>(
      `query($borough: String!) { overrideAnalytics(borough: $borough) { ruleId decisions overridden overrideRate overriddenTo { pathway count } } }`,
      { borough: SIM },
      as.alice!,
    );
    expect(overrideAnalytics).toEqual([
      { ruleId: 'da-u5', decisions: 3, overridden: 2, overrideRate: 2 / 3, overriddenTo: [{ pathway: 'STRATEGY_DISCUSSION', count: 2 }] },
      { ruleId: 'inj-u1', decisions: 4, overridden: 1, overrideRate: 0.25, overriddenTo: [{ pathway: 'IMMEDIATE_PROTECTION', count: 1 }] },
    ]);
    const none = await ok<{ overrideAnalytics: unknown[] }>(`query($borough: String!) { overrideAnalytics(borough: $borough, from: "2026-11-01T00:00:00Z") { ruleId } }`, { borough: SIM }, as.auditor!);
    expect(none.overrideAnalytics).toEqual([]);
  });
});

describe('comparing boroughs, and each borough\'s configuration', () => {
  const COMPARE = `query($contact: HypotheticalContactInput!) { compareBoroughs(contact: $contact) { sameEverywhere
    results { borough name recommendation { levelOfNeed pathway rag decidingRuleId rulesetVersion rulesetHash summary } } } }`;

  it('runs one contact through every borough\'s rules in force: domestic abuse with a child under 5 differs between hf and wcc', async () => {
    type Comparison = { compareBoroughs: { sameEverywhere: boolean; results: { borough: string; recommendation: Record<string, unknown> }[] } };
    const contact = { receivedAt: '2026-11-20T10:00:00Z', referrerType: 'POLICE', consent: 'NOT_SOUGHT', indicators: ['DOMESTIC_ABUSE'], children: [{ dateOfBirth: '2023-05-01' }] };
    const { compareBoroughs } = await ok<Comparison>(COMPARE, { contact }, as.allAdmin!);
    expect(compareBoroughs.sameEverywhere).toBe(false);
    const of = (code: string) => compareBoroughs.results.find((r) => r.borough === code)!.recommendation;
    expect(of('hf')).toMatchObject({ levelOfNeed: 3, pathway: 'MASH_ENQUIRY', rag: 'AMBER', decidingRuleId: 'da-u5', rulesetHash: stack.boroughs.get('hf')!.rulesetHash });
    expect(of('wcc')).toMatchObject({ levelOfNeed: 4, pathway: 'MASH_ENQUIRY', rag: 'RED', decidingRuleId: 'da-u5' });
    expect(of('rbkc')).toMatchObject({ levelOfNeed: 3, rag: 'AMBER' });
    // The throwaway boroughs take part too: a borough is a folder and nothing else.
    expect(compareBoroughs.results.map((r) => r.borough)).toEqual(expect.arrayContaining(['hf', 'rbkc', 'wcc', LIFE, SIM]));

    const same = await ok<Comparison>(COMPARE, { contact: { ...contact, indicators: ['SEXUAL_ABUSE'] } }, as.allAdmin!);
    expect(same.compareBoroughs.results.filter((r) => ['hf', 'rbkc', 'wcc'].includes(r.borough)).every((r) => r.recommendation.pathway === 'STRATEGY_DISCUSSION')).toBe(true);
    expect(await refused(COMPARE, { contact }, as.hfWorker!)).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(await refused(COMPARE, { contact: { ...contact, children: [{}] } }, as.allAdmin!)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', problems: [{ field: 'contact.children[0]' }] } });
  });

  it('shows a borough\'s settings, their recorded versions and the ruleset in force, for the borough\'s administrators', async () => {
    const CONFIG = `query($borough: String!) { boroughConfig(borough: $borough) { code name notes workingDayCounting caseloadLimit settingsHash
      clocks { screeningWorkingDays icpcAnchor mash { rag clock { hours counting } } }
      strategyDiscussionAgencies escalation { stage counting rungs { afterHours notify } } teams { id kind } outOfHoursService
      settingsVersions { version contentHash author } rulesetInForce { version inForce contentHash } } }`;
    type Config = { boroughConfig: { code: string; clocks: { icpcAnchor: string; mash: { rag: string; clock: { hours: number } }[] }; escalation: { stage: string; rungs: unknown[] }[]; settingsHash: string; settingsVersions: { contentHash: string }[]; rulesetInForce: { version: number; inForce: boolean } } };
    const wcc = (await ok<Config>(CONFIG, { borough: 'wcc' }, as.allAdmin!)).boroughConfig;
    const rbkc = (await ok<Config>(CONFIG, { borough: 'rbkc' }, as.allAdmin!)).boroughConfig;
    expect(wcc.clocks.mash.find((m) => m.rag === 'AMBER')!.clock.hours).toBe(16);
    expect(rbkc.clocks.mash.find((m) => m.rag === 'AMBER')!.clock.hours).toBe(24);
    expect(rbkc.clocks.icpcAnchor).toBe('LAST_STRATEGY_DISCUSSION');
    // Every ladder in the borough's file is shown, with its rungs.
    const wccFile = JSON.parse(await fs.readFile(path.join(projectRoot, 'borough-config', 'wcc', 'borough.json'), 'utf8')) as { escalation: Record<string, { rungs: unknown[] }> };
    expect(Object.fromEntries(wcc.escalation.map((ladder) => [ladder.stage, ladder.rungs.length]))).toEqual(
      Object.fromEntries(Object.entries(wccFile.escalation).map(([stage, ladder]) => [stage, ladder.rungs.length])));
    expect(wcc.settingsVersions[0]!.contentHash).toBe(wcc.settingsHash);
    expect(wcc.rulesetInForce).toMatchObject({ inForce: true });
    const life = (await ok<Config>(CONFIG, { borough: LIFE }, as.alice!)).boroughConfig;
    expect(life).toMatchObject({ code: LIFE, rulesetInForce: { inForce: true } });
  });
});
