import fs from 'node:fs/promises';
import path from 'node:path';
import { buildSchema, Kind, parse, validate } from 'graphql';
import { expect, it } from 'vitest';
import { OPERATIONS } from '../../console/src/operations';
import { ACCESS } from '../../api/access';
import { projectRoot } from '../../server/env';

// The console's operations are written by hand: each must stay valid against the printed schema, so an API change
// that would break a console screen fails here rather than in a user's browser.

const schema = buildSchema(await fs.readFile(path.join(projectRoot, 'api', 'schema.graphql'), 'utf8'));

it.each(Object.entries(OPERATIONS))('%s is valid against api/schema.graphql', (_name, source) => {
  expect(validate(schema, parse(source)).map((e) => e.message)).toEqual([]);
});

it('uses only root operations that have an access rule', () => {
  for (const source of Object.values(OPERATIONS)) {
    const document = parse(source);
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const type = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' }[definition.operation];
      for (const selection of definition.selectionSet.selections) {
        if (selection.kind === Kind.FIELD) expect(ACCESS[`${type}.${selection.name.value}`], `${type}.${selection.name.value}`).toBeDefined();
      }
    }
  }
});
