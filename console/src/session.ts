/** The signed-in user as the console shows them: read from the token's claims for display only (the API decides access). */
export interface Session {
  token: string;
  userId: string;
  roles: string[];
  boroughs: string[];
  /** When the token expires, if it says. */
  expiresAt: Date | null;
}

const KEY = 'front-door.token';

/** Reads a token's claims without verifying it (the API verifies every request); null if it is not a JWT. */
export function sessionOf(token: string): Session | null {
  const payload = token.trim().split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const claims: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
    if (typeof claims !== 'object' || claims === null) return null;
    const { sub, roles, boroughs, exp } = claims as Record<string, unknown>;
    const strings = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
    return { token: token.trim(), userId: typeof sub === 'string' ? sub : 'unknown', roles: strings(roles), boroughs: strings(boroughs), expiresAt: typeof exp === 'number' ? new Date(exp * 1000) : null };
  } catch {
    return null;
  }
}

/** The token kept for this browser tab (sessionStorage: gone when the tab closes). */
export function storedSession(): Session | null {
  const token = sessionStorage.getItem(KEY);
  return token ? sessionOf(token) : null;
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token.trim());
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
