import { createLogger } from '../../server/logger';
import { installTemporalLogging } from '../../server/infra/worker';
import { freePort } from './ports';

// Imported before ./stack by a test that scrapes the worker's metrics: the Temporal runtime is installed once per
// process, so it must be installed with its Prometheus endpoint before the stack installs it without one.
export const workerMetricsAddress = `127.0.0.1:${await freePort()}`;
installTemporalLogging(createLogger('error', 'temporal-sdk'), { metricsAddress: workerMetricsAddress });
