import fs from 'node:fs/promises';
import path from 'node:path';
import { printSchema } from 'graphql';
import { expect, it } from 'vitest';
import { schema } from '../../api/schema/index';
import { projectRoot } from '../../server/env';

it('matches the committed api/schema.graphql (run `npm run schema:print` after changing the API)', async () => {
  const committed = await fs.readFile(path.join(projectRoot, 'api', 'schema.graphql'), 'utf8');
  expect(`${printSchema(schema)}\n`).toBe(committed);
});
