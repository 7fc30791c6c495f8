import { parse, type ValueNode } from 'graphql';
import { expect, it } from 'vitest';
import { schema } from '../../api/schema/index';

// Scalars parse inline literals and variables alike, and refuse bad values saying what to send.
type Scalar = { parseValue: (value: unknown) => unknown; parseLiteral: (ast: ValueNode) => unknown };
const scalar = (name: string) => schema.getType(name) as unknown as Scalar;

it('reads a JSON object written inline, not only through a variable', () => {
  const query = parse('{ f(x: { a: [1, "two", { b: true }], c: null }) }');
  const field = query.definitions[0] as unknown as { selectionSet: { selections: { arguments: { value: ValueNode }[] }[] } };
  expect(scalar('JSON').parseLiteral(field.selectionSet.selections[0]!.arguments[0]!.value)).toEqual({ a: [1, 'two', { b: true }], c: null });
});

it('refuses an impossible Date and a DateTime without an offset, saying what to send', () => {
  expect(() => scalar('Date').parseValue('2026-02-30')).toThrow('Date must be a real calendar date "YYYY-MM-DD"; got "2026-02-30".');
  expect(() => scalar('DateTime').parseValue('2026-02-01T10:00:00')).toThrow('DateTime must be ISO 8601 with an offset');
  expect(scalar('Date').parseValue('2024-02-29')).toBe('2024-02-29');
  expect(scalar('DateTime').parseValue('2026-03-29T01:30:00+01:00')).toEqual(new Date('2026-03-29T00:30:00Z'));
});
