import { chooseLogFormat, createLogger, type Logger } from './logger';
import { activeTelemetry, startTelemetry } from './infra/telemetry';
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
  const log = createLogger(env.LOG_LEVEL, name, chooseLogFormat({ setting: env.LOG_FORMAT, isTty: process.stdout.isTTY === true, nodeEnv: env.NODE_ENV }));
  const telemetry = startTelemetry({ endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: env.OTEL_SERVICE_NAME });
  if (telemetry) log.info({ endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: env.OTEL_SERVICE_NAME }, 'tracing on: exporting spans by OTLP/HTTP');
  let stopping = false;
  run(env, log).then(
    (stop) => {
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'shutting down');
        // Native parts (the Temporal worker) drain off the event loop; hold it open until everything has stopped.
        const keepAlive = setInterval(() => {}, 1_000);
        stop()
          // The last spans (the shutdown's own queries included) go out before the process exits.
          .then(() => activeTelemetry()?.shutdown())
          .then(
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
