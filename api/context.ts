import type { Client, Connection } from '@temporalio/client';
import type { Sql } from '../db/sql';
import type { BoroughRegistry } from '../rules/borough-config';
import type { Logger } from 'pino';
import { z } from 'zod';
import { findCaseHeader, type CaseHeader } from '../db/cases';
import type { Caller, Role } from './auth';
import type { CaseEventBus } from './events';
import { apiError } from './errors';
import { EPISODE_READERS, readableKinds, roleRefusal } from './access';

/** What every resolver gets: the verified caller (or null) and the process's shared services. */
export interface ApiContext {
  caller: Caller | null;
  services: ApiServices;
  /** Why the caller is looking (`X-Purpose` header), for the audit trail. */
  purpose: string | null;
  log: Logger;
}

/** The long-lived dependencies the API is built from (one of each per process). */
export interface ApiServices {
  sql: Sql;
  temporal: Client;
  /** The connection `temporal` uses, for health checks. */
  temporalConnection: Connection;
  taskQueue: string;
  boroughs: BoroughRegistry;
  auth: { secret: string; issuer: string };
  /** Case events and escalations as they are committed (for subscriptions). */
  events: CaseEventBus;
  /** The clock; tests may pin it. */
  now: () => Date;
}

/** The caller, who must hold `role` in `borough`; otherwise FORBIDDEN with the reason. */
export function requireBoroughRole(context: ApiContext, borough: string, roles: readonly Role[]): Caller {
  const caller = context.caller;
  if (!caller) throw apiError('UNAUTHENTICATED', 'Sign in first: send `Authorization: Bearer <token>`.');
  if (!caller.boroughs.includes(borough)) {
    throw apiError('FORBIDDEN', `You are not authorised for borough "${borough}" (your boroughs: ${caller.boroughs.join(', ')}).`);
  }
  if (!roles.some((role) => caller.roles.includes(role))) {
    throw apiError('FORBIDDEN', `This needs one of the roles ${roles.join(', ')} in borough "${borough}" (you have: ${caller.roles.join(', ')}).`);
  }
  return caller;
}

/**
 * The case with this id if it is in one of the caller's boroughs (and has one of `roles` there); otherwise NOT_FOUND,
 * which says nothing about cases elsewhere. A case of a kind the caller's roles may not read is FORBIDDEN.
 */
export async function caseForCaller(context: ApiContext, id: string, roles: readonly Role[]): Promise<CaseHeader> {
  const caller = context.caller!;
  const found = z.uuid().safeParse(id).success ? await fromStore(() => findCaseHeader(context.services.sql, caller.boroughs, id)) : null;
  if (!found) throw apiError('NOT_FOUND', `No case ${id} in your boroughs (${caller.boroughs.join(', ')}).`);
  requireBoroughRole(context, found.borough, roles);
  requireKind(context, found.kind);
  return found;
}

/** A case of a kind the caller's roles may not read (an episode, for the MASH) is refused by role: FORBIDDEN. */
export function requireKind(context: ApiContext, kind: 'CONTACT' | 'EPISODE'): void {
  const caller = context.caller!;
  if (!readableKinds(caller.roles).includes(kind)) throw roleRefusal('A child\'s episode (casework after referral)', EPISODE_READERS, caller.roles);
}

/**
 * Runs a read or write against PostgreSQL, turning a lost connection into SERVICE_UNAVAILABLE (a caseworker can act
 * on "try again shortly"; a masked internal error tells them nothing). Other errors pass through.
 */
export async function fromStore<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isConnectionError(error)) {
      throw apiError('SERVICE_UNAVAILABLE', 'The case records are unreachable right now. Nothing recorded is lost: try again shortly.');
    }
    throw error;
  }
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', '57P01', '57P03']);
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECTION_ERRORS.has(code);
}
