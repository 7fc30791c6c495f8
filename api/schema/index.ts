// The schema: one module per entity, each registering its types, queries and mutations on the builder.
import './scalars';
import './me';
import './contact';
import { lexicographicSortSchema } from 'graphql';
import { builder } from '../builder';

/** The executable schema, sorted so the printed SDL diff shows every API change in one place. */
export const schema = lexicographicSortSchema(builder.toSchema());
