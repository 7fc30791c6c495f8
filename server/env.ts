import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parsePayloadKeys, type EncryptionKey } from './infra/payload-codec';

/** The checkout's root folder (where package.json is). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const DEVELOPMENT_AUTH_SECRET = 'front-door-development-secret-not-for-production-use';
// A fixed key so a local run's workflow history stays readable across restarts. Never for real data.
const DEVELOPMENT_PAYLOAD_KEYS = `dev:${Buffer.from('front-door-development-payload-key!').subarray(0, 32).toString('base64')}`;

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

/**
 * Every setting Front Door reads from its environment. The README's settings table documents each one; keep the
 * two in step. Nothing else in the code base reads `process.env`.
 */
const EnvironmentSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port(4000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATA_DIR: z.string().min(1).default(path.join(projectRoot, 'data')),
    FRONT_DOOR_CACHE_DIR: z.string().min(1).default(path.join(os.homedir(), '.cache', 'front-door')),
    BOROUGH_CONFIG_DIR: z.string().min(1).default(path.join(projectRoot, 'borough-config')),
    DATABASE_URL: optionalText.pipe(z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }).optional()),
    EMBEDDED_POSTGRES_PORT: port(54329),
    TEMPORAL_ADDRESS: optionalText,
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('front-door'),
    TEMPORAL_CLI_PATH: optionalText,
    TEMPORAL_SERVER_PATH: optionalText,
    CHROMIUM_PATH: optionalText,
    TEMPORAL_DEV_PORT: port(7233),
    TEMPORAL_UI_PORT: port(8233),
    AUTH_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEVELOPMENT_AUTH_SECRET),
    AUTH_ISSUER: z.string().min(1).default('front-door'),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
    MAX_REQUEST_BYTES: z.coerce.number().int().min(1024).default(256 * 1024),
    // How many workflows a worker keeps in memory between their tasks (README, settings): bounds its memory.
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(2, 'must be at least 2').max(100_000).default(400),
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalText.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL (the OTLP/HTTP collector, e.g. http://localhost:4318)' }).optional()),
    OTEL_SERVICE_NAME: z.string().trim().min(1).default('front-door'),
    METRICS_TOKEN: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
    WORKER_METRICS_ADDRESS: optionalText.pipe(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9464').optional()),
    LOG_FORMAT: z.enum(['auto', 'pretty', 'json']).default('auto'),
    PAYLOAD_KEYS: z
      .string()
      .default(DEVELOPMENT_PAYLOAD_KEYS)
      .transform((text, ctx): EncryptionKey[] => {
        try {
          return parsePayloadKeys(text);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.AUTH_SECRET === DEVELOPMENT_AUTH_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_SECRET'], message: 'must be set to a secret of your own in production' });
    }
    if (env.NODE_ENV === 'production' && env.PAYLOAD_KEYS.some((key) => key.id === 'dev')) {
      ctx.addIssue({ code: 'custom', path: ['PAYLOAD_KEYS'], message: 'must be set to keys of your own in production (id:base64 of 32 random bytes)' });
    }
  });

export type Environment = z.infer<typeof EnvironmentSchema>;

/** Thrown when the environment is unusable; `problems` lists every one, each naming the variable. */
export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

/** Parses the given variables (default: the process environment) once, reporting every problem together. */
export function parseEnvironment(source: Record<string, string | undefined> = process.env): Environment {
  const result = EnvironmentSchema.safeParse(source);
  if (!result.success) {
    throw new ConfigurationError(result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`));
  }
  return result.data;
}

/** True when the process runs under CI (CI=true), where tools are never downloaded interactively. */
export function isCi(source: Record<string, string | undefined> = process.env): boolean {
  return source.CI === 'true' || source.CI === '1';
}
