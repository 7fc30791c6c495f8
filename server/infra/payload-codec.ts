import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

// CommonJS package: its namespaces come through the default export under Node's ESM loader.
const { temporal } = proto;

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A named AES-256 key. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/**
 * Encrypts every Temporal payload (workflow inputs, results, signals, updates, queries, memos, activity inputs and
 * results) with AES-256-GCM, so the workflow history holds no readable personal data. Each encrypted payload names
 * its key id; `keys[0]` encrypts, every key decrypts, so keys rotate by putting the new key first and keeping the
 * old ones until no history needs them. Tampered payloads fail authentication.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly current: EncryptionKey;
  private readonly byId: Map<string, Buffer>;

  constructor(keys: readonly EncryptionKey[]) {
    if (keys.length === 0) throw new Error('EncryptionCodec needs at least one key.');
    for (const { id, key } of keys) if (key.length !== 32) throw new Error(`Payload key "${id}" must be 32 bytes (AES-256); it is ${key.length}.`);
    this.current = keys[0]!;
    this.byId = new Map(keys.map(({ id, key }) => [id, key]));
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    return settle(() => payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCODING), [KEY_ID]: Buffer.from(this.current.id) }, data };
    }));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return settle(() => payloads.map((payload) => {
      if (Buffer.from(payload.metadata?.[METADATA_ENCODING_KEY] ?? []).toString() !== ENCODING) return payload;
      const keyId = Buffer.from(payload.metadata?.[KEY_ID] ?? []).toString();
      const key = this.byId.get(keyId);
      if (!key) throw new Error(`A payload is encrypted with key "${keyId}", which is not configured (PAYLOAD_KEYS). Add the key back to read it.`);
      const data = Buffer.from(payload.data ?? []);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    }));
  }
}

/** Runs synchronous crypto work, reporting its failure as a rejected promise (as the codec interface expects). */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * Parses PAYLOAD_KEYS: comma-separated `id:base64key` pairs, newest (the one that encrypts) first, each key 32
 * bytes. Throws with every problem listed.
 */
export function parsePayloadKeys(text: string): EncryptionKey[] {
  const problems: string[] = [];
  const keys = text.split(',').map((part) => part.trim()).filter(Boolean).map((part, index) => {
    const [id, encoded] = part.split(':', 2);
    if (!id || !encoded || !/^[\w.-]{1,64}$/.test(id)) {
      problems.push(`entry ${index + 1} must be id:base64key, with an id of letters, digits, '.', '_' or '-'`);
      return undefined;
    }
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32) problems.push(`key "${id}" must decode to 32 bytes (openssl rand -base64 32); it is ${key.length}`);
    return { id, key };
  });
  const ids = keys.filter((k) => k !== undefined).map((k) => k.id);
  for (const id of new Set(ids)) if (ids.filter((other) => other === id).length > 1) problems.push(`key id "${id}" appears more than once`);
  if (keys.length === 0) problems.push('at least one key is needed');
  if (problems.length > 0) throw new Error(problems.join('; '));
  return keys as EncryptionKey[];
}
