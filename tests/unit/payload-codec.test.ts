import { randomBytes } from 'node:crypto';
import { DefaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { EncryptionCodec, parsePayloadKeys } from '../../server/infra/payload-codec';

const converter = new DefaultPayloadConverter();
const key = (id: string) => ({ id, key: randomBytes(32) });
const secret = { child: { firstName: 'Ava', lastName: 'Example' }, summary: 'Bruising to the face' };

describe('EncryptionCodec', () => {
  it('round-trips a payload, and the encoded bytes hold no plain text', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [encoded] = await codec.encode([converter.toPayload(secret)]);
    expect(Buffer.from(encoded!.data!).toString('latin1')).not.toMatch(/Ava|Bruising|json/);
    expect(Buffer.from(encoded!.metadata!['encryption-key-id']!).toString()).toBe('k1');
    const [decoded] = await codec.decode([encoded!]);
    expect(converter.fromPayload(decoded!)).toEqual(secret);
  });

  it('encrypts with the newest key and still decrypts with an older one (rotation)', async () => {
    const old = key('2025');
    const [before] = await new EncryptionCodec([old]).encode([converter.toPayload(secret)]);
    const rotated = new EncryptionCodec([key('2026'), old]);
    expect(converter.fromPayload((await rotated.decode([before!]))[0]!)).toEqual(secret);
    const [after] = await rotated.encode([converter.toPayload(secret)]);
    expect(Buffer.from(after!.metadata!['encryption-key-id']!).toString()).toBe('2026');
  });

  it('refuses a payload whose key is gone, naming the key', async () => {
    const [encoded] = await new EncryptionCodec([key('retired')]).encode([converter.toPayload(secret)]);
    await expect(new EncryptionCodec([key('new')]).decode([encoded!])).rejects.toThrow('encrypted with key "retired", which is not configured');
  });

  it('detects tampering', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [encoded] = await codec.encode([converter.toPayload(secret)]);
    const data = Buffer.from(encoded!.data!);
    data[20] = data[20]! ^ 0xff;
    // AES-GCM authentication fails (Node's message), rather than decoding altered bytes.
    await expect(codec.decode([{ ...encoded!, data }])).rejects.toThrow('Unsupported state or unable to authenticate data');
  });

  it('passes through payloads that are not encrypted', async () => {
    const plain = converter.toPayload({ hello: 'world' });
    expect(await new EncryptionCodec([key('k1')]).decode([plain])).toEqual([plain]);
  });
});

describe('parsePayloadKeys', () => {
  it('reads id:base64 pairs, newest first', () => {
    const a = randomBytes(32).toString('base64');
    const b = randomBytes(32).toString('base64');
    expect(parsePayloadKeys(`2026:${a}, 2025:${b}`).map((k) => k.id)).toEqual(['2026', '2025']);
  });

  it('lists every problem at once', () => {
    expect(() => parsePayloadKeys(`short:${Buffer.from('x').toString('base64')},nocolon,dup:${randomBytes(32).toString('base64')},dup:${randomBytes(32).toString('base64')}`)).toThrow(
      'key "short" must decode to 32 bytes (openssl rand -base64 32); it is 1; entry 2 must be id:base64key, with an id of letters, digits, \'.\', \'_\' or \'-\'; key id "dup" appears more than once',
    );
  });
});
