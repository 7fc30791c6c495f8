import fs from 'node:fs/promises';
import path from 'node:path';
import { printSchema } from 'graphql';
import { schema } from '../api/schema/index';
import { projectRoot } from '../server/env';

// `npm run schema:print`: writes the sorted SDL to api/schema.graphql. A test fails when the file is stale.
const file = path.join(projectRoot, 'api', 'schema.graphql');
await fs.writeFile(file, `${printSchema(schema)}\n`);
console.log(`wrote ${path.relative(projectRoot, file)}`);
