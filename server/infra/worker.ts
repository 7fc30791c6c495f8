import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { PayloadCodec } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Activities } from '../../activities';
import { workflowInterceptorModule, type Telemetry } from './telemetry';

/** The file the worker bundles: every workflow, and nothing with side effects. */
export const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

let runtimeInstalled = false;

/**
 * Routes the Temporal SDK's own log lines (warnings and up) into our logger and, given `metricsAddress`
 * (WORKER_METRICS_ADDRESS, host:port), serves the SDK's worker metrics for Prometheus at `http://<address>/metrics`.
 * Once per process.
 */
export function installTemporalLogging(logger: Logger, options: { metricsAddress?: string | undefined } = {}): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    ...(options.metricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: options.metricsAddress } } } } : {}),
    // Our entry points own SIGINT/SIGTERM and stop the worker in order (worker before its connection).
    shutdownSignals: [],
    logger: new DefaultLogger('WARN', (entry) => {
      const level = entry.level === 'ERROR' ? 'error' : 'warn';
      logger[level]({ temporal: entry.meta }, entry.message);
    }),
  });
}

/** Stops a worker and waits for it to finish its in-flight tasks; safe to call in any state. */
export async function stopWorker(worker: Worker, running: Promise<void>): Promise<void> {
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running.catch(() => undefined);
}

/**
 * A worker on the Front Door task queue. Run as many as you like on the same queue to scale out. Pass a
 * pre-built `workflowBundle` to skip bundling (tests build it once).
 */
export async function createFrontDoorWorker(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** Must match the clients' (see encryptedDataConverter). */
  dataConverter: { payloadCodecs: PayloadCodec[] };
  /** Built with `workflowInterceptorModules(telemetry)` when tracing is on. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Workflows kept in memory between tasks (WORKER_MAX_CACHED_WORKFLOWS); the SDK's heap-based default when omitted. */
  maxCachedWorkflows?: number;
  /** Tracing (see telemetry.ts): adds the activity interceptors, the workflow interceptor module and its span sink. */
  telemetry?: Telemetry | null;
}): Promise<Worker> {
  const traced = options.telemetry?.worker();
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    dataConverter: options.dataConverter,
    ...(options.maxCachedWorkflows ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    ...(traced ? { interceptors: options.workflowBundle ? { ...traced.interceptors, workflowModules: [] } : traced.interceptors, sinks: traced.sinks } : {}),
  });
}

/**
 * The workflow interceptor modules to bundle: the OpenTelemetry one when tracing is on, none otherwise (so a worker
 * without tracing runs exactly the workflow code it always did).
 */
export function workflowInterceptorModules(telemetry: Telemetry | null | undefined): string[] {
  return telemetry ? [workflowInterceptorModule] : [];
}
