import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities';
import { connectTemporalClient, encryptedDataConverter, openDatabaseAndBoroughs } from './infra/boot';
import { createFrontDoorWorker, installTemporalLogging, stopWorker } from './infra/worker';
import { activeTelemetry } from './infra/telemetry';
import { runEntryPoint } from './main';

// `npm run worker`: one worker on the task queue, against TEMPORAL_ADDRESS and DATABASE_URL. Start several to scale.
runEntryPoint('front-door-worker', async (env, log) => {
  if (!env.DATABASE_URL || !env.TEMPORAL_ADDRESS) {
    throw new Error('`npm run worker` needs DATABASE_URL and TEMPORAL_ADDRESS set; for a local all-in-one run use `npm start`.');
  }
  installTemporalLogging(log, { metricsAddress: env.WORKER_METRICS_ADDRESS });
  const { sql, boroughs } = await openDatabaseAndBoroughs(env, env.DATABASE_URL, log);
  const { connection: clientConnection, client } = await connectTemporalClient(env.TEMPORAL_ADDRESS, env.TEMPORAL_NAMESPACE, env.PAYLOAD_KEYS, 'worker');
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const activities = createActivities({ sql, boroughs, temporal: client, taskQueue: env.TEMPORAL_TASK_QUEUE });
  const worker = await createFrontDoorWorker({ connection, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE, activities, dataConverter: encryptedDataConverter(env.PAYLOAD_KEYS), maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS, telemetry: activeTelemetry() });
  const running = worker.run();
  log.info({ taskQueue: env.TEMPORAL_TASK_QUEUE, maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS }, 'worker running');
  running.catch((error: unknown) => {
    log.fatal({ err: error }, 'worker stopped unexpectedly');
    process.exit(1);
  });
  return async () => {
    await stopWorker(worker, running);
    await connection.close();
    await clientConnection.close();
    await sql.end();
  };
});
