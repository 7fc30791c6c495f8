import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ACCESS } from '../../api/access';
import { ROLES, type Role } from '../../api/auth';
import { schema } from '../../api/schema/index';
import { recordEscalation } from '../../db/casework';
import { eventually, startStack, type TestStack } from '../support/stack';

// Walks every operation in the schema and proves each one refuses by the one rule (README "Errors"): a caller
// without a token UNAUTHENTICATED; a caller in the right borough without the role FORBIDDEN naming a role that may;
// a caller with the role in another borough NOT_FOUND when the request names a case by id, FORBIDDEN when it names
// the borough. Never BAD_USER_INPUT or INTERNAL_SERVER_ERROR. An operation added without a rule in api/access.ts
// fails here.

let stack: TestStack;
let contactId: string;

beforeAll(async () => {
  stack = await startStack();
  const token = await stack.token({ user: 'access-owner', boroughs: ['hf'] });
  const received = await stack.graphql<{ receiveContact: { contactId: string } }>(`mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }`, {
    input: { borough: 'hf', channel: 'PHONE', referrer: { type: 'SCHOOL' }, children: [{ firstName: 'Ada', lastName: 'Access', dateOfBirth: '2016-06-06' }], indicators: ['NEGLECT'], summary: 'Access test.', consent: 'GIVEN' },
  }, token);
  contactId = received.data!.receiveContact.contactId;
  await eventually(() => stack.graphql<{ contact: { status: string } }>(`query ($id: ID!) { contact(id: $id) { status } }`, { id: contactId }, token), (r) => r.data?.contact?.status === 'AWAITING_SCREENING');
});
afterAll(async () => {
  await stack?.stop();
});

type Operation = { kind: 'query' | 'mutation' | 'subscription'; name: string; field: GraphQLField<unknown, unknown> };
const operations: Operation[] = (
  [['query', schema.getQueryType()], ['mutation', schema.getMutationType()], ['subscription', schema.getSubscriptionType()]] as const
).flatMap(([kind, type]) => Object.values(type?.getFields() ?? {}).map((field) => ({ kind, name: `${type!.name}.${field.name}`, field })));

/** A plausible value for an argument of `type`, aimed at borough hf and at the hf contact made above. */
function sample(type: GraphQLInputType, name: string): unknown {
  if (isNonNullType(type)) return sample(type.ofType, name);
  if (isListType(type)) return [sample(type.ofType, name)];
  const named = getNamedType(type);
  if (isEnumType(named)) return named.getValues()[0]!.value;
  if (isInputObjectType(named)) {
    return Object.fromEntries(Object.values(named.getFields()).filter((f) => isNonNullType(f.type) || ['borough', 'caseId', 'contactId'].includes(f.name)).map((f) => [f.name, sample(f.type, f.name)]));
  }
  switch (named.name) {
    case 'ID':
      return contactId;
    case 'String':
      return name === 'borough' ? 'hf' : name === 'content' ? '{}' : 'access test';
    case 'Int':
      return 1;
    case 'Float':
      return 1;
    case 'Boolean':
      return true;
    case 'Date':
      return '2026-11-30';
    case 'DateTime':
      return new Date().toISOString();
    case 'JSON':
      return {};
    default:
      return 'x';
  }
}

function document(op: Operation): { query: string; variables: Record<string, unknown> } {
  const args = op.field.args;
  const variables = Object.fromEntries(args.map((arg) => [arg.name, sample(arg.type, arg.name)]));
  const declared = args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
  const passed = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const named = getNamedType(op.field.type);
  const selection = isLeafType(named) ? '' : isObjectType(named) && 'id' in named.getFields() ? ' { __typename id }' : ' { __typename }';
  return { query: `${op.kind}${declared ? ` (${declared})` : ''} { ${op.field.name}${passed ? `(${passed})` : ''}${selection} }`, variables };
}

/** The first result of an operation, over HTTP (subscriptions over server-sent events). */
async function call(op: Operation, token: string | null): Promise<{ data: unknown; code: string | undefined; message?: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  if (op.kind === 'subscription') headers.accept = 'text/event-stream';
  const controller = new AbortController();
  const response = await fetch(`${stack.url}/graphql`, { method: 'POST', headers, body: JSON.stringify(document(op)), signal: controller.signal });
  let body: { data?: Record<string, unknown> | null; errors?: { message?: string; extensions?: { code?: string } }[] };
  if (op.kind === 'subscription') {
    const reader = response.body!.getReader();
    let text = '';
    while (!/data: .*\n\n/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    body = JSON.parse(/data: (.*)\n\n/.exec(text)?.[1] ?? '{}') as typeof body;
  } else {
    body = (await response.json()) as typeof body;
  }
  return { data: body.data?.[op.field.name] ?? null, code: body.errors?.[0]?.extensions?.code, message: body.errors?.[0]?.message };
}

describe('every operation', () => {
  it('has an access rule, and every rule an operation', () => {
    const names = operations.map((op) => op.name).sort();
    expect(names.filter((name) => !ACCESS[name])).toEqual([]);
    expect(Object.keys(ACCESS).filter((name) => !names.includes(name))).toEqual([]);
  });

  const guarded = operations.filter((op) => op.name !== 'Query.me');

  it.each(guarded.map((op) => ({ name: op.name, op })))('$name refuses a caller without a token', async ({ op }) => {
    const result = await call(op, null);
    expect({ data: result.data, code: result.code }).toEqual({ data: null, code: 'UNAUTHENTICATED' });
  });

  it.each(guarded.filter((op) => ROLES.some((role) => !ACCESS[op.name]?.includes(role))).map((op) => ({ name: op.name, op })))('$name refuses a caller without the role: FORBIDDEN, naming a role that may', async ({ op }) => {
    const others: Role[] = ROLES.filter((role) => !ACCESS[op.name]!.includes(role));
    const result = await call(op, await stack.token({ user: 'wrong-role', roles: others, boroughs: ['hf'] }));
    expect(result.data).toBeNull();
    expect(result.code, result.message).toBe('FORBIDDEN');
    expect(ACCESS[op.name]!.filter((role) => new RegExp(`\\b${role}\\b`).test(result.message ?? '')), result.message).not.toEqual([]);
  });

  // These act only within the caller's own boroughs (they take no borough or case): another borough's caller gets
  // their own results, never hf's.
  const OWN_BOROUGHS_ONLY = ['Query.outOfHoursQueue', 'Query.compareBoroughs'];

  /** A request that names the borough (an argument, or a field of its input) rather than only a case's id. */
  const namesBorough = (op: Operation) => JSON.stringify(document(op).variables).includes('"borough":');

  it.each(guarded.filter((op) => !OWN_BOROUGHS_ONLY.includes(op.name)).map((op) => ({ name: op.name, op })))('$name refuses a caller from another borough: NOT_FOUND for an id, FORBIDDEN for a borough named', async ({ op }) => {
    const result = await call(op, await stack.token({ user: 'elsewhere', roles: [...ACCESS[op.name]!], boroughs: ['rbkc'] }));
    expect(result.data).toBeNull();
    expect(result.code, result.message).toBe(namesBorough(op) ? 'FORBIDDEN' : 'NOT_FOUND');
  });

  it.each(OWN_BOROUGHS_ONLY.map((name) => ({ name, op: operations.find((op) => op.name === name)! })))('$name shows another borough\'s caller nothing of hf', async ({ op }) => {
    const result = await call(op, await stack.token({ user: 'elsewhere', roles: [...ACCESS[op.name]!], boroughs: ['rbkc'] }));
    expect(JSON.stringify(result.data)).not.toContain(contactId);
    expect(JSON.stringify(result.data ?? '')).not.toMatch(/"borough":"hf"/);
  });
});

describe('the MASH worker', () => {
  it('sees the front door, and no child\'s episode: not by id, not in lists, not its timeline, not its escalations', async () => {
    const mash = await stack.token({ user: 'mash-mo', roles: ['mash_worker'], boroughs: ['hf', 'rbkc', 'wcc'] });
    const practitioner = await stack.token({ user: 'sw-access', roles: ['practitioner'], boroughs: ['hf'] });
    const contact = await stack.graphql<{ case: { kind: string } }>(`query ($id: ID!) { case(id: $id) { kind } }`, { id: contactId }, mash);
    expect(contact.data?.case.kind).toBe('CONTACT');

    // A child referred here, so there is an episode to hide.
    const received = await stack.graphql<{ receiveContact: { contactId: string } }>(`mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }`, {
      input: { borough: 'hf', channel: 'PHONE', referrer: { type: 'SCHOOL' }, children: [{ firstName: 'Eve', lastName: 'Episode', dateOfBirth: '2015-05-05' }], indicators: ['PHYSICAL_INJURY'], summary: 'Access test: a referral.', consent: 'GIVEN' },
    }, practitioner);
    const referred = received.data!.receiveContact.contactId;
    await eventually(
      () => stack.graphql(`mutation ($id: ID!, $input: ScreeningDecisionInput!) { recordScreeningDecision(contactId: $id, input: $input) { status } }`, {
        id: referred, input: { pathway: 'S17_ASSESSMENT', levelOfNeed: 3, rag: 'AMBER', rationale: 'Needs an assessment.', overrideReason: 'Access test.', primaryNeed: 'N1' },
      }, practitioner),
      (r) => r.errors === undefined,
    );
    const [episode] = await eventually(() => stack.sql<{ id: string }[]>`select id from cases where kind = 'EPISODE' and contact_id = ${referred}`, (rows) => rows.length === 1);
    const episodeId = episode!.id;

    // The MASH role may not read episodes: a role rule, so FORBIDDEN (naming the roles that may), as from `episode`.
    const refused = await stack.graphql(`query ($id: ID!) { case(id: $id) { kind } }`, { id: episodeId }, mash);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(refused.errors?.[0]?.message).toMatch(/needs one of the roles practitioner, manager, out_of_hours, auditor/);
    const list = await stack.graphql<{ cases: { edges: { node: { id: string; kind: string } }[] } }>(`{ cases(first: 100) { edges { node { id kind } } } }`, {}, mash);
    expect(list.errors).toBeUndefined();
    expect(list.data!.cases.edges.map((edge) => edge.node.kind)).toContain('CONTACT');
    expect(list.data!.cases.edges.some((edge) => edge.node.kind === 'EPISODE')).toBe(false);

    const timeline = stack.subscribe(`subscription ($id: ID!) { caseEvents(caseId: $id) { kind } }`, mash, { id: episodeId });
    await expect(timeline.ready().then(() => timeline.next())).rejects.toThrow(/FORBIDDEN/);
    timeline.close();
    // The refused subscription is in the audit trail, like any refused read.
    const audited = await eventually(
      () => stack.sql<{ outcome: string }[]>`select outcome from audit_log where user_id = 'mash-mo' and operation = 'Subscription.caseEvents' and case_id = ${episodeId}`,
      (rows) => rows.length > 0,
    );
    expect(audited.map((row) => row.outcome)).toEqual(['FORBIDDEN']);

    // An escalation on the episode reaches the practitioner's subscription, and not the MASH worker's; one on a
    // contact reaches both.
    const mashFeed = stack.subscribe(`subscription { escalations(borough: "hf") { caseId stage } }`, mash);
    const teamFeed = stack.subscribe(`subscription { escalations(borough: "hf") { caseId stage } }`, practitioner);
    onTestFinished(() => {
      mashFeed.close();
      teamFeed.close();
    });
    await Promise.all([mashFeed.ready(), teamFeed.ready()]);
    const at = new Date().toISOString();
    const escalation = { borough: 'hf', stage: 'ASSESSMENT', subject: 'access-test', rung: 0, notify: 'TEAM_MANAGER', dueAt: at, at, reason: 'Access test', raisedBy: 'access-test' };
    await recordEscalation(stack.sql, { ...escalation, caseId: episodeId, contactId: referred });
    await recordEscalation(stack.sql, { ...escalation, stage: 'SCREENING', caseId: contactId, contactId });
    expect(await teamFeed.next()).toEqual({ escalations: { caseId: episodeId, stage: 'ASSESSMENT' } });
    expect(await teamFeed.next()).toEqual({ escalations: { caseId: contactId, stage: 'SCREENING' } });
    expect(await mashFeed.next()).toEqual({ escalations: { caseId: contactId, stage: 'SCREENING' } });
  });
});
