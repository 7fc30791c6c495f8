import { GraphQLError, valueFromASTUntyped } from 'graphql';
import { DateTime } from 'luxon';
import { builder } from '../builder';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

builder.scalarType('DateTime', {
  description: 'An instant, as ISO 8601 with a UTC offset, e.g. "2026-11-26T09:30:00Z". Output is always UTC.',
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    if (typeof value !== 'string' || !ISO_INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
      throw new GraphQLError(`DateTime must be ISO 8601 with an offset, e.g. "2026-11-26T09:30:00Z"; got ${JSON.stringify(value)}.`);
    }
    return new Date(value);
  },
});

builder.scalarType('Date', {
  description: 'A calendar date, "YYYY-MM-DD".',
  serialize: (value) => value,
  parseValue: (value) => {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || !DateTime.fromISO(value).isValid) {
      throw new GraphQLError(`Date must be a real calendar date "YYYY-MM-DD"; got ${JSON.stringify(value)}.`);
    }
    return value;
  },
});

builder.scalarType('JSON', {
  description: 'Any JSON value (used for the facts a rule saw).',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});
