import { describe, expect, it } from 'vitest';
import { signToken, TokenError, verifyToken } from '../../api/auth';
import { contactIdFor, contactReference, deterministicUuid } from '../../db/ids';

const auth = { secret: 's'.repeat(40), issuer: 'front-door' };

describe('bearer tokens', () => {
  it('round-trips the caller', async () => {
    const token = await signToken(auth, { userId: 'alice', roles: ['practitioner', 'manager'], boroughs: ['hf', 'wcc'] });
    expect(await verifyToken(auth, token)).toEqual({ userId: 'alice', roles: ['practitioner', 'manager'], boroughs: ['hf', 'wcc'] });
  });

  it('refuses an expired token, saying so', async () => {
    const token = await signToken(auth, { userId: 'alice', roles: ['practitioner'], boroughs: ['hf'] }, '-1m');
    await expect(verifyToken(auth, token)).rejects.toThrow(new TokenError('Your token has expired: sign in again for a new one.'));
  });

  it('refuses a token signed with another secret or for another issuer', async () => {
    const forged = await signToken({ ...auth, secret: 'x'.repeat(40) }, { userId: 'mallory', roles: ['manager'], boroughs: ['hf'] });
    await expect(verifyToken(auth, forged)).rejects.toThrow(/not valid/);
    const elsewhere = await signToken({ ...auth, issuer: 'another-system' }, { userId: 'bob', roles: ['manager'], boroughs: ['hf'] });
    await expect(verifyToken(auth, elsewhere)).rejects.toThrow(/not issued for Front Door \(iss claim\)/);
  });

  it('refuses a token without roles or boroughs, naming what is missing', async () => {
    const empty = await signToken(auth, { userId: 'carol', roles: [], boroughs: [] });
    await expect(verifyToken(auth, empty)).rejects.toThrow(/roles: .*boroughs: /);
  });
});

describe('contact ids and references', () => {
  it('derives the same contact id from the same idempotency key, and a different one per borough', () => {
    expect(contactIdFor('hf', 'key-1')).toBe(contactIdFor('hf', 'key-1'));
    expect(contactIdFor('hf', 'key-1')).not.toBe(contactIdFor('wcc', 'key-1'));
    expect(contactIdFor('hf', null)).not.toBe(contactIdFor('hf', null));
  });

  it('makes well-formed UUIDs', () => {
    expect(deterministicUuid('a', 'b')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicUuid('a', 'b')).not.toBe(deterministicUuid('ab'));
  });

  it('makes a readable reference with the London date of receipt', () => {
    const id = contactIdFor('rbkc', 'x');
    // 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
    const reference = contactReference('rbkc', id, new Date('2026-06-30T23:30:00Z'));
    expect(reference).toMatch(/^RBKC-260701-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(contactReference('rbkc', id, new Date('2026-06-30T23:30:00Z'))).toBe(reference);
  });
});
