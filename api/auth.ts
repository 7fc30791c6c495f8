import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

/** The roles a caller may hold. What each may do is decided per operation in the schema modules. */
export const ROLES = ['practitioner', 'manager', 'mash_worker', 'out_of_hours', 'administrator', 'auditor', 'data_officer'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: taken only from a verified token. */
export interface Caller {
  userId: string;
  roles: readonly Role[];
  boroughs: readonly string[];
}

/** A token that cannot be used; `message` tells the caller what to do about it. */
export class TokenError extends Error {
  override name = 'TokenError';
}

const ClaimsSchema = z.object({
  sub: z.string().min(1),
  roles: z.array(z.enum(ROLES)).min(1),
  boroughs: z.array(z.string().min(1)).min(1),
});

const ALGORITHM = 'HS256';
const keyOf = (secret: string) => new TextEncoder().encode(secret);

/** Signs a bearer token for a caller (HS256 with the configured secret). `expiresIn` is e.g. '8h' or '30d'. */
export async function signToken(auth: { secret: string; issuer: string }, caller: Caller, expiresIn = '8h'): Promise<string> {
  return new SignJWT({ roles: [...caller.roles], boroughs: [...caller.boroughs] })
    .setProtectedHeader({ alg: ALGORITHM })
    .setSubject(caller.userId)
    .setIssuer(auth.issuer)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(keyOf(auth.secret));
}

/** Verifies a bearer token's signature, issuer and expiry, and reads the caller from it; throws TokenError otherwise. */
export async function verifyToken(auth: { secret: string; issuer: string }, token: string): Promise<Caller> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, keyOf(auth.secret), { issuer: auth.issuer, algorithms: [ALGORITHM] }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new TokenError('Your token has expired: sign in again for a new one.');
    if (error instanceof joseErrors.JWTClaimValidationFailed) throw new TokenError(`Your token was not issued for Front Door (${error.claim} claim).`);
    throw new TokenError('Your token is not valid (bad signature or format): sign in again for a new one.');
  }
  const claims = ClaimsSchema.safeParse(payload);
  if (!claims.success) {
    throw new TokenError(`Your token is missing what Front Door needs: ${claims.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`);
  }
  return { userId: claims.data.sub, roles: claims.data.roles, boroughs: claims.data.boroughs };
}
