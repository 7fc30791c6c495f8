// The schema: one module per entity, each registering its types, queries and mutations on the builder.
import './scalars';
import './enums';
import './me';
import './contact';
import './front-door';
import './case';
import './episode';
import './ruleset';
import './borough';
import './family-history';
import './performance';
import './returns';
import './annex-a';
import { lexicographicSortSchema } from 'graphql';
import { withAccess } from '../access';
import { withAudit } from '../audit';
import { builder } from '../builder';

/** The executable schema, sorted so the printed SDL diff shows every API change in one place, and audited. */
export const schema = withAudit(withAccess(lexicographicSortSchema(builder.toSchema())));
