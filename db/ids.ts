import { createHash, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';

/** A UUID-formatted id derived from its parts (stable across retries, so inserts can be idempotent). */
export function deterministicUuid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  // Version 8 (custom) with the RFC 9562 variant, so it is a well-formed UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/** The contact id: derived from the client's idempotency key when given (a retry finds the same contact), else random. */
export function contactIdFor(borough: string, idempotencyKey: string | null): string {
  return idempotencyKey === null ? randomUUID() : deterministicUuid('contact', borough, idempotencyKey);
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A reference a person can read out on the phone: borough, London date received, and 8 characters derived from the
 * contact id (Crockford base32: no I, L, O or U), e.g. `HF-261126-7K3Q-9XZP`.
 */
export function contactReference(borough: string, contactId: string, receivedAt: Date): string {
  const digest = createHash('sha256').update(contactId).digest();
  let bits = 0n;
  for (const byte of digest.subarray(0, 5)) bits = (bits << 8n) | BigInt(byte);
  let code = '';
  for (let i = 0; i < 8; i++) {
    code = CROCKFORD[Number(bits & 31n)] + code;
    bits >>= 5n;
  }
  const day = DateTime.fromJSDate(receivedAt, { zone: 'Europe/London' }).toFormat('yyMMdd');
  return `${borough.toUpperCase()}-${day}-${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * A child's identity within a borough, the same across contacts: names (case, spacing and Unicode form ignored) and
 * date of birth (or, unborn, the expected date). Their episode workflow is keyed by it.
 */
export function childIdFor(borough: string, child: { firstName: string; lastName: string; dateOfBirth: string | null; expectedDateOfBirth: string | null }): string {
  const norm = (name: string) => name.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');
  return deterministicUuid('child', borough, norm(child.firstName), norm(child.lastName), child.dateOfBirth ?? `expected:${child.expectedDateOfBirth ?? ''}`);
}
