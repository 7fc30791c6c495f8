import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type { Role } from './auth';
import type { ApiContext } from './context';
import { apiError } from './errors';

/** The one Pothos schema builder: context, scalars and scope-auth (first plugin, so every field is checked). */
export const builder = new SchemaBuilder<{
  Context: ApiContext;
  AuthScopes: { authenticated: boolean; role: Role };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    Date: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      authenticated: context.caller !== null,
      role: (role) => context.caller?.roles.includes(role) ?? false,
    }),
    unauthorizedError: (_parent, context, info) =>
      context.caller === null
        ? apiError('UNAUTHENTICATED', `Sign in to use ${info.parentType.name}.${info.fieldName}: send \`Authorization: Bearer <token>\`.`)
        : apiError('FORBIDDEN', `Your roles (${context.caller.roles.join(', ')}) do not allow ${info.parentType.name}.${info.fieldName}.`),
  },
});

builder.queryType({});
builder.mutationType({});
