import { createLogger, type Logger } from './logger';
import { ConfigurationError, parseEnvironment, type Environment } from './env';

/**
 * The shape every entry point shares: parse the configuration once, run, and on failure log the reason and exit
 * non-zero. `run` returns a function that stops what it started; SIGINT/SIGTERM call it once.
 */
export function runEntryPoint(name: string, run: (env: Environment, log: Logger) => Promise<() => Promise<void>>): void {
  let env: Environment;
  try {
    env = parseEnvironment();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`${error.message}\nSee the settings table in README.md.\n`);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(env.LOG_LEVEL, name);
  let stopping = false;
  run(env, log).then(
    (stop) => {
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'shutting down');
        // Native parts (the Temporal worker) drain off the event loop; hold it open until everything has stopped.
        const keepAlive = setInterval(() => {}, 1_000);
        stop().then(
          () => {
            clearInterval(keepAlive);
            log.info('stopped');
            process.exit(0);
          },
          (error: unknown) => {
            log.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    },
    (error: unknown) => {
      log.fatal({ err: error }, `${name} could not start`);
      process.stderr.write(`\n${name} could not start: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
