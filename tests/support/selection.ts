import { getNamedType, GraphQLInterfaceType, GraphQLObjectType, GraphQLUnionType, isNonNullType, type GraphQLField, type GraphQLNamedType, type GraphQLSchema } from 'graphql';

// Selection sets made from the schema itself: every field of a type and of the object types under it, recursively,
// so a field added to the schema is read by the tests that use them without anyone listing it. A type already being
// selected higher up the same path is not entered again (a cycle such as Case -> contact -> Case); every other
// field is. A field with a required argument needs a value here, and the walk refuses to guess one.

/** Values for required arguments of nested fields, by `Type.field`, as GraphQL literals. */
export type ArgumentValues = Readonly<Record<string, Readonly<Record<string, string>>>>;

export interface Selection {
  /** The selection set's text, e.g. `{ id status children { firstName } }`. */
  text: string;
  /** Every field selected, as `Type.field`. */
  fields: Set<string>;
}

export function selectionOf(schema: GraphQLSchema, typeName: string, argumentValues: ArgumentValues = {}): Selection {
  const type = schema.getType(typeName);
  if (!(type instanceof GraphQLObjectType)) throw new Error(`${typeName} is not an object type of the schema`);
  const fields = new Set<string>();

  const argumentsOf = (owner: string, field: GraphQLField<unknown, unknown>): string => {
    const given = argumentValues[`${owner}.${field.name}`] ?? {};
    const parts: string[] = [];
    for (const arg of field.args) {
      const value = given[arg.name];
      if (value !== undefined) parts.push(`${arg.name}: ${value}`);
      else if (isNonNullType(arg.type) && arg.defaultValue === undefined) {
        throw new Error(`${owner}.${field.name} needs argument ${arg.name}: give it a sensible value in the test's argument values`);
      }
    }
    return parts.length > 0 ? `(${parts.join(', ')})` : '';
  };

  const walk = (named: GraphQLNamedType, path: readonly string[]): string => {
    if (named instanceof GraphQLUnionType || named instanceof GraphQLInterfaceType) {
      const possible = schema.getPossibleTypes(named);
      return `{ __typename ${possible.map((t) => `... on ${t.name} ${walk(t, [...path, named.name])}`).join(' ')} }`;
    }
    if (!(named instanceof GraphQLObjectType)) return '';
    const parts: string[] = [];
    for (const field of Object.values(named.getFields())) {
      const inner = getNamedType(field.type);
      const composite = inner instanceof GraphQLObjectType || inner instanceof GraphQLInterfaceType || inner instanceof GraphQLUnionType;
      if (composite && [...path, named.name].includes(inner.name)) continue;
      fields.add(`${named.name}.${field.name}`);
      parts.push(`${field.name}${argumentsOf(named.name, field)}${composite ? ` ${walk(inner, [...path, named.name])}` : ''}`);
    }
    return `{ ${parts.join(' ')} }`;
  };

  return { text: walk(type, []), fields };
}
