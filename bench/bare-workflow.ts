// The bench's baseline: a bare Temporal workflow with four no-op activities, the shape a naive design of the front
// door would have (store, evaluate, store, schedule). Bundled by bench/bare-worker.ts; nothing here may do I/O.
import { proxyActivities } from '@temporalio/workflow';

export interface BareActivities {
  noop1(input: { id: string }): Promise<void>;
  noop2(input: { id: string }): Promise<void>;
  noop3(input: { id: string }): Promise<void>;
  noop4(input: { id: string }): Promise<void>;
}

const activities = proxyActivities<BareActivities>({ startToCloseTimeout: '1 minute' });

export async function bareWorkflow(input: { id: string }): Promise<void> {
  await activities.noop1(input);
  await activities.noop2(input);
  await activities.noop3(input);
  await activities.noop4(input);
}
