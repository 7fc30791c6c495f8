import { randomUUID } from 'node:crypto';
import { getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType, isScalarType, type GraphQLInputObjectType, type GraphQLInputType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../api/schema/index';
import { countByIdempotencyKey } from '../../db/contacts';
import { eventually, startStack, type TestStack } from '../support/stack';

// Hostile and careless callers: oversized, deep, aliased and too-frequent requests, malformed input in every field,
// injection strings in every text field. Each gets a clear error and changes nothing.

let stack: TestStack;
let token: string;
beforeAll(async () => {
  stack = await startStack({ production: true, limits: { maxDepth: 4, maxAliases: 5, requestsPerMinute: 1_000 } });
  token = await stack.token({ user: 'hostile-hal', roles: ['practitioner'], boroughs: ['hf'] });
});
afterAll(async () => {
  await stack?.stop();
});

const RECEIVE = `mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }`;
function validInput(key: string) {
  return {
    borough: 'hf', idempotencyKey: key, channel: 'PHONE', referrer: { type: 'POLICE', name: 'PC Example', organisation: 'Met', contactDetails: '0207 000 0000' },
    children: [{ firstName: 'Hal', lastName: 'Example', dateOfBirth: '2017-07-07' }], indicators: ['NEGLECT'], summary: 'Home conditions poor.', consent: 'GIVEN',
  };
}

describe('request limits', () => {
  it('refuses a query deeper than the limit', async () => {
    const deep = await stack.graphql(`{ cases { edges { node { timeline { kind } } } } }`, {}, token);
    expect(deep.data ?? null).toBeNull();
    expect(deep.errors?.[0]?.message).toMatch(/depth limit/i);
  });

  it('refuses too many aliases', async () => {
    const aliased = await stack.graphql(`{ ${Array.from({ length: 8 }, (_, i) => `a${i}: me { userId }`).join(' ')} }`, {}, token);
    expect(aliased.errors?.[0]?.message).toMatch(/aliases/i);
  });

  it('refuses an oversized body with 413', async () => {
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: RECEIVE, variables: { input: { ...validInput(`big-${randomUUID()}`), summary: 'x'.repeat(300_000) } } }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'REQUEST_TOO_LARGE' } }] });
  });

  it('rate limits each token, without affecting others', async () => {
    const limited = await startStack({ limits: { requestsPerMinute: 3 } });
    try {
      const noisy = await limited.token({ user: 'noisy', boroughs: ['hf'] });
      const quiet = await limited.token({ user: 'quiet', boroughs: ['hf'] });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await limited.graphql('{ me { userId } }', {}, noisy)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await limited.graphql('{ me { userId } }', {}, noisy);
      expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect((await limited.graphql<{ me: { userId: string } }>('{ me { userId } }', {}, quiet)).data?.me.userId).toBe('quiet');
    } finally {
      await limited.stop();
    }
  });

  it('refuses a body of unstated length (411) before reading it', async () => {
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(JSON.stringify({ query: '{ me { userId } }' })));
        controller.close();
      },
    });
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: chunks, duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(411);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'REQUEST_TOO_LARGE' }, message: expect.stringMatching(/Content-Length/) as string }] });
  });

  it('counts made-up tokens against their address, so inventing tokens buys no fresh budget', async () => {
    const limited = await startStack({ limits: { requestsPerMinute: 3 } });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await limited.graphql('{ me { userId } }', {}, `made-up-${i}`)).status);
      expect(statuses.slice(0, 3)).not.toContain(429);
      expect(statuses[3]).toBe(429);
      // A real token still has its own budget.
      const real = await limited.token({ user: 'real', boroughs: ['hf'] });
      expect((await limited.graphql<{ me: { userId: string } }>('{ me { userId } }', {}, real)).data?.me.userId).toBe('real');
    } finally {
      await limited.stop();
    }
  });

  it('turns introspection and GraphiQL off in production', async () => {
    const introspection = await stack.graphql('{ __schema { types { name } } }', {}, token);
    expect(introspection.data ?? null).toBeNull();
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
    // A browser asking for the page is told the endpoint has no HTML to give (406), not served GraphiQL; a missing
    // route (404) would not show that the endpoint itself refuses.
    const page = await fetch(`${stack.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(406);
    expect(await page.text()).not.toMatch(/graphiql/i);
  });
});

describe('hostile input to receiveContact, generated from the schema', () => {
  const inputType = schema.getType('ReceiveContactInput') as GraphQLInputObjectType;

  /** Every leaf field of the input, as a path into validInput() (lists entered at element 0). */
  function leaves(type: GraphQLInputObjectType, prefix: (string | number)[] = []): { path: (string | number)[]; type: GraphQLInputType }[] {
    return Object.values(type.getFields()).flatMap((field) => {
      const unwrapped = isNonNullType(field.type) ? field.type.ofType : field.type;
      const path = isListType(unwrapped) ? [...prefix, field.name, 0] : [...prefix, field.name];
      const named = getNamedType(field.type);
      return isInputObjectType(named) ? leaves(named, path) : [{ path, type: named }];
    });
  }

  function withValue(input: Record<string, unknown>, path: (string | number)[], value: unknown): Record<string, unknown> {
    const copy = structuredClone(input);
    let node = copy as Record<string | number, unknown>;
    for (const step of path.slice(0, -1)) {
      node[step] ??= typeof path[path.indexOf(step) + 1] === 'number' ? [] : {};
      node = node[step] as Record<string | number, unknown>;
    }
    node[path.at(-1)!] = value;
    return copy;
  }

  const cases = leaves(inputType).flatMap(({ path, type }) => {
    const named = getNamedType(type);
    const wrong: { label: string; value: unknown }[] = [{ label: 'an object', value: { nested: true } }];
    if (isEnumType(named)) wrong.push({ label: 'an unknown enum value', value: 'NOT_A_VALUE' });
    if (isScalarType(named) && ['Date', 'DateTime'].includes(named.name)) wrong.push({ label: 'an impossible date', value: '2026-13-45' });
    if (isScalarType(named) && named.name === 'String') wrong.push({ label: 'a number', value: 12345 });
    return wrong.map((w) => ({ field: path.filter((p) => typeof p === 'string').join('.'), path, ...w }));
  });

  it.each(cases)('refuses $label in $field, naming the field, and stores nothing', async ({ path, value }) => {
    const key = `hostile-${randomUUID()}`;
    const result = await stack.graphql(RECEIVE, { input: withValue(validInput(key), path, value) }, token);
    expect(result.data ?? null).toBeNull();
    const leaf = String(path.filter((p) => typeof p === 'string').at(-1));
    expect(result.errors?.map((e) => e.message).join(' ')).toContain(leaf);
    expect(await countByIdempotencyKey(stack.sql, 'hf', key)).toBe(0);
  });

  // Free text is stored as given; identifiers with a format of their own (a UPN) are refused instead, below.
  const FORMATTED = ['borough', 'idempotencyKey', 'upn'];
  const textFields = leaves(inputType).filter(({ type, path }) => isScalarType(type) && type.name === 'String' && !FORMATTED.includes(String(path.at(-1))));
  const formatted = leaves(inputType).filter(({ type, path }) => isScalarType(type) && type.name === 'String' && String(path.at(-1)) === 'upn');
  it.each(formatted.map(({ path }) => ({ field: path.filter((p) => typeof p === 'string').join('.'), path })))('refuses an injection string in $field, naming the field, and stores nothing', async ({ path }) => {
    const key = `inject-${randomUUID()}`;
    const result = await stack.graphql(RECEIVE, { input: withValue(validInput(key), path, `H80'); DROP TABLE children;--`) }, token);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: `input.${path.join('.').replace(/\.(\d+)/g, '[$1]')}` }] });
    expect(await countByIdempotencyKey(stack.sql, 'hf', key)).toBe(0);
  });
  it.each(textFields.map(({ path }) => ({ field: path.filter((p) => typeof p === 'string').join('.'), path })))('stores an injection string in $field as plain text', async ({ path }) => {
    const key = `inject-${randomUUID()}`;
    const nasty = `Robert'); DROP TABLE contacts;-- <script>alert(1)</script> \${jndi:ldap://x} ${randomUUID().slice(0, 6)}`;
    const input = withValue(validInput(key), path, nasty);
    const result = await stack.graphql<{ receiveContact: { contactId: string } }>(RECEIVE, { input }, token);
    expect(result.errors).toBeUndefined();
    const id = result.data!.receiveContact.contactId;
    const stored = await eventually(
      () => stack.sql<{ row: string }[]>`select row_to_json(c)::text || coalesce((select json_agg(k)::text from contact_children k where k.contact_id = c.id), '') as row from contacts c where c.borough = 'hf' and c.id = ${id}`,
      (rows) => rows.length === 1,
    );
    expect(stored[0]!.row).toContain(JSON.stringify(nasty).slice(1, -1));
    const [tables] = await stack.sql<{ contacts: string | null }[]>`select to_regclass('contacts')::text as contacts`;
    expect(tables?.contacts).toBe('contacts');
  });
});

describe('hostile input to every mutation, generated from the schema', () => {
  const mutations = Object.values(schema.getMutationType()!.getFields());
  // Other tests' workflows are still writing, so "nothing changed" is judged by attribution: the sweep runs as a user
  // of its own, and nothing anywhere may be recorded by that user.
  const recordedBy = async (user: string) => {
    const [row] = await stack.sql<{ n: number }[]>`
      select (select count(*) from contacts where received_by = ${user}) + (select count(*) from screening_decisions where decided_by = ${user})
        + (select count(*) from case_events where actor = ${user}) + (select count(*) from ruleset_versions where author = ${user})
        + (select count(*) from audit_log where user_id = ${user}) + (select count(*) from escalations where raised_by = ${user}) as n`;
    return Number(row!.n);
  };

  /** Every argument leaf of a mutation: [argument name, path inside it, its type]. */
  function argumentLeaves(field: (typeof mutations)[number]): { arg: string; path: string[]; type: GraphQLInputType }[] {
    const walk = (type: GraphQLInputType, path: string[], arg: string): { arg: string; path: string[]; type: GraphQLInputType }[] => {
      const named = getNamedType(type);
      if (!isInputObjectType(named)) return [{ arg, path, type: named }];
      return Object.values(named.getFields()).flatMap((f) => walk(f.type, [...path, f.name], arg));
    };
    return field.args.flatMap((arg) => walk(arg.type, [], arg.name));
  }

  it('refuses an object in place of every scalar or enum argument of every mutation, naming it, and changes nothing', async () => {
    const sweeper = await stack.token({ user: 'sweep-sam', roles: ['practitioner', 'manager', 'mash_worker', 'out_of_hours', 'administrator', 'auditor'], boroughs: ['hf', 'rbkc', 'wcc'] });
    let sent = 0;
    for (const field of mutations) {
      for (const leaf of argumentLeaves(field)) {
        const variables: Record<string, unknown> = {};
        let node: Record<string, unknown> = variables;
        for (const step of [leaf.arg, ...leaf.path].slice(0, -1)) {
          const next: Record<string, unknown> = {};
          node[step] = next;
          node = next;
        }
        node[[leaf.arg, ...leaf.path].at(-1)!] = { $where: '1 = 1', nested: { drop: 'table' } };
        const declared = field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
        const passed = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
        const result = await stack.graphql(`mutation (${declared}) { ${field.name}(${passed}) { __typename } }`, variables, sweeper);
        expect(result.data ?? null, `${field.name}.${[leaf.arg, ...leaf.path].join('.')}`).toBeNull();
        expect(result.errors?.map((e) => e.message).join(' '), `${field.name}.${[leaf.arg, ...leaf.path].join('.')}`).toMatch(new RegExp(`\\$${leaf.arg}|${[leaf.arg, ...leaf.path].at(-1)}`));
        sent++;
      }
    }
    expect(sent).toBeGreaterThan(50);
    expect(await recordedBy('sweep-sam')).toBe(0);
  });
});
