import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'pretty' | 'json';

/**
 * How logs are written: readable lines for a person at a terminal, JSON (one object a line) for machines: when the
 * output is piped or redirected, in production, or when LOG_FORMAT says so (`auto` picks).
 */
export function chooseLogFormat(options: { setting: 'auto' | LogFormat; isTty: boolean; nodeEnv: string }): LogFormat {
  if (options.setting !== 'auto') return options.setting;
  return options.isTty && options.nodeEnv !== 'production' ? 'pretty' : 'json';
}

/**
 * The process logger. Logs carry ids, codes and counts, never personal data: the redaction list is a safety net for
 * the field names that would hold it, not a licence to log records.
 */
export function createLogger(level: string, name = 'front-door', format: LogFormat = 'json'): Logger {
  const options = {
    name,
    level,
    redact: {
      paths: ['*.name', '*.firstName', '*.lastName', '*.dateOfBirth', '*.summary', '*.children', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  };
  if (format === 'json') return pino(options);
  // One line per event (`08:14:03 INFO front-door: API listening url=…`), written synchronously so nothing is lost on exit.
  return pino(options, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', singleLine: true, sync: true }));
}

export type { Logger };
