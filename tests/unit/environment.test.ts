import { describe, expect, it } from 'vitest';
import { ConfigurationError, parseEnvironment } from '../../server/env';

describe('parseEnvironment', () => {
  it('gives working defaults for a local run', () => {
    const env = parseEnvironment({});
    expect(env).toMatchObject({ NODE_ENV: 'development', PORT: 4000, HOST: '127.0.0.1', TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: 'front-door' });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.TEMPORAL_ADDRESS).toBeUndefined();
    expect(env.DATA_DIR).toMatch(/data$/);
  });

  it('treats empty settings as unset', () => {
    expect(parseEnvironment({ DATABASE_URL: '', TEMPORAL_ADDRESS: '  ' })).toMatchObject({ DATABASE_URL: undefined, TEMPORAL_ADDRESS: undefined });
  });

  it('reports every problem at once, naming each variable', () => {
    let caught: unknown;
    try {
      parseEnvironment({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', AUTH_SECRET: 'short', NODE_ENV: 'staging' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    const problems = (caught as ConfigurationError).problems;
    expect(problems.map((p) => p.split(':')[0])).toEqual(expect.arrayContaining(['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'AUTH_SECRET', 'NODE_ENV']));
    expect(problems).toHaveLength(5);
    expect((caught as Error).message).toContain('AUTH_SECRET: must be at least 32 characters');
  });

  it('refuses the development secret and payload key in production', () => {
    expect(() => parseEnvironment({ NODE_ENV: 'production' })).toThrow('AUTH_SECRET: must be set to a secret of your own in production');
    expect(() => parseEnvironment({ NODE_ENV: 'production', AUTH_SECRET: 'p'.repeat(40) })).toThrow('PAYLOAD_KEYS: must be set to keys of your own in production');
    const keys = `2026:${Buffer.alloc(32, 1).toString('base64')},2025:${Buffer.alloc(32, 2).toString('base64')}`;
    const env = parseEnvironment({ NODE_ENV: 'production', AUTH_SECRET: 'p'.repeat(40), PAYLOAD_KEYS: keys });
    expect(env.PAYLOAD_KEYS.map((key) => key.id)).toEqual(['2026', '2025']);
  });

  it('reports bad payload keys with what to fix', () => {
    expect(() => parseEnvironment({ PAYLOAD_KEYS: 'k1:c2hvcnQ=' })).toThrow('PAYLOAD_KEYS: key "k1" must decode to 32 bytes (openssl rand -base64 32); it is 5');
  });

  it('accepts a postgres URL', () => {
    expect(parseEnvironment({ DATABASE_URL: 'postgres://u:p@db.internal:5432/front_door' }).DATABASE_URL).toBe('postgres://u:p@db.internal:5432/front_door');
  });
});
