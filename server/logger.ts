import { pino, type Logger } from 'pino';

/**
 * The process logger. Logs carry ids, codes and counts, never personal data: the redaction list is a safety net for
 * the field names that would hold it, not a licence to log records.
 */
export function createLogger(level: string, name = 'front-door'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['*.name', '*.firstName', '*.lastName', '*.dateOfBirth', '*.summary', '*.children', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  });
}

export type { Logger };
