// The baseline's worker (bench/bare-workflow.ts) as a process of its own: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and
// TEMPORAL_TASK_QUEUE as for `npm run worker`, the same encrypted data converter, four activities that do nothing.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { encryptedDataConverter } from '../server/infra/boot';
import { installTemporalLogging, stopWorker } from '../server/infra/worker';
import { runEntryPoint } from '../server/main';
import type { BareActivities } from './bare-workflow';

runEntryPoint('bench-bare-worker', async (env, log) => {
  if (!env.TEMPORAL_ADDRESS) throw new Error('the bare worker needs TEMPORAL_ADDRESS');
  installTemporalLogging(log);
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const noop = () => Promise.resolve();
  const activities: BareActivities = { noop1: noop, noop2: noop, noop3: noop, noop4: noop };
  const worker = await Worker.create({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    workflowsPath: fileURLToPath(new URL('./bare-workflow.ts', import.meta.url)),
    activities,
    dataConverter: encryptedDataConverter(env.PAYLOAD_KEYS),
    ...(env.WORKER_MAX_CACHED_WORKFLOWS ? { maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS } : {}),
  });
  const running = worker.run();
  log.info({ taskQueue: env.TEMPORAL_TASK_QUEUE }, 'worker running');
  running.catch((error: unknown) => {
    log.fatal({ err: error }, 'worker stopped unexpectedly');
    process.exit(1);
  });
  return async () => {
    await stopWorker(worker, running);
    await connection.close();
  };
});
