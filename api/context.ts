import type { Client, Connection } from '@temporalio/client';
import type { Sql } from '../db/sql';
import type { BoroughRegistry } from '../rules/borough-config';
import type { Caller, Role } from './auth';
import { apiError } from './errors';

/** What every resolver gets: the verified caller (or null) and the process's shared services. */
export interface ApiContext {
  caller: Caller | null;
  services: ApiServices;
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
