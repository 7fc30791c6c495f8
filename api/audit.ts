import { defaultFieldResolver, GraphQLError, type GraphQLSchema } from 'graphql';
import { appendAudit, type AuditEntry } from '../db/audit';
import type { ApiContext } from './context';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NOT_CASE_DATA = new Set(['me']);
/** Operations that take the purpose as a required argument (statutory returns); it is what the audit records. */
const PURPOSE_ARGUMENT = new Set(['Query.cinCensus', 'Query.annexA']);

/**
 * Wraps every root query, mutation and subscription field so each call by a signed-in caller appends audit rows:
 * who, their roles, the operation, READ or WRITE, each case it touched (ids in its arguments and in its result),
 * the outcome (OK or the error code) and the stated purpose (the `X-Purpose` header, or for a read that takes a
 * `purpose` argument, as the statutory returns do, that argument). New operations are audited
 * without anyone having to remember. A failure to write the audit is logged (ids only), never shown to the caller.
 */
export function withAudit(schema: GraphQLSchema): GraphQLSchema {
  for (const [type, kind] of [[schema.getQueryType(), 'READ'], [schema.getMutationType(), 'WRITE'], [schema.getSubscriptionType(), 'READ']] as const) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      if (NOT_CASE_DATA.has(field.name)) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      const operation = `${type!.name}.${field.name}`;
      const record = async (args: Record<string, unknown>, context: ApiContext, result: unknown, outcome: string) => {
        if (!context.caller) return;
        const caller = context.caller;
        const touched = casesIn(args, result);
        const entries: AuditEntry[] = (touched.length > 0 ? touched : [{ caseId: null, borough: boroughIn(args) }]).map(({ caseId, borough }) => ({
          userId: caller.userId, roles: caller.roles, borough, operation, kind, caseId, outcome, purpose: purposeOf(operation, args, context),
        }));
        await appendAudit(context.services.sql, entries).catch((error: unknown) => context.log.warn({ operation, cases: entries.map((e) => e.caseId), err: error }, 'could not write the audit trail'));
      };
      // Each call (for a subscription: each event delivered) is recorded with its outcome.
      field.resolve = async (source, args: Record<string, unknown>, context: ApiContext, info) => {
        let outcome = 'OK';
        let result: unknown;
        try {
          result = await resolve(source, args, context, info);
          return result;
        } catch (error) {
          outcome = codeOf(error);
          throw error;
        } finally {
          await record(args, context, result, outcome);
        }
      };
      // A subscription refused when it is opened (no access, no such case) never reaches resolve: record the refusal.
      const subscribe = field.subscribe;
      if (subscribe) {
        field.subscribe = async (source, args: Record<string, unknown>, context: ApiContext, info) => {
          try {
            return await subscribe(source, args, context, info);
          } catch (error) {
            await record(args, context, null, codeOf(error));
            throw error;
          }
        };
      }
    }
  }
  return schema;
}

function purposeOf(operation: string, args: Record<string, unknown>, context: ApiContext): string | null {
  const given = PURPOSE_ARGUMENT.has(operation) && typeof args.purpose === 'string' ? args.purpose.trim().slice(0, 200) : '';
  return given || context.purpose;
}

function codeOf(error: unknown): string {
  return error instanceof GraphQLError && typeof error.extensions.code === 'string' ? error.extensions.code : 'ERROR';
}

/** Case ids (with their borough where known) in an operation's arguments and result. */
function casesIn(args: Record<string, unknown>, result: unknown): { caseId: string; borough: string | null }[] {
  const found = new Map<string, string | null>();
  for (const key of ['id', 'caseId', 'contactId']) {
    const value = args[key];
    if (typeof value === 'string' && UUID.test(value)) found.set(value.toLowerCase(), boroughIn(args));
  }
  const visit = (value: unknown, depth: number) => {
    if (depth > 3 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    const record = value as Record<string, unknown>;
    const borough = typeof record.borough === 'string' ? record.borough : null;
    for (const key of ['caseId', 'contactId', 'id']) {
      const id = record[key];
      if (typeof id === 'string' && UUID.test(id) && (key !== 'id' || 'borough' in record || 'stage' in record)) {
        found.set(id.toLowerCase(), borough ?? found.get(id.toLowerCase()) ?? null);
        break;
      }
    }
    for (const key of ['edges', 'node']) if (key in record) visit(record[key], depth + 1);
  };
  visit(result, 0);
  return [...found].map(([caseId, borough]) => ({ caseId, borough }));
}

function boroughIn(args: Record<string, unknown>): string | null {
  if (typeof args.borough === 'string') return args.borough;
  const input = args.input as Record<string, unknown> | undefined;
  return typeof input?.borough === 'string' ? input.borough : null;
}
