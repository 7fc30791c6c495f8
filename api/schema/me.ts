import { builder } from '../builder';

builder.queryField('me', (t) =>
  t.field({
    type: builder.objectRef<{ userId: string; roles: readonly string[]; boroughs: readonly string[] }>('Me').implement({
      description: 'The caller, as their token names them.',
      fields: (f) => ({
        userId: f.exposeString('userId'),
        roles: f.exposeStringList('roles'),
        boroughs: f.exposeStringList('boroughs'),
      }),
    }),
    authScopes: { authenticated: true },
    resolve: (_root, _args, context) => context.caller!,
  }),
);
