// How much work Temporal does for a workflow, counted exactly from its history (issue 11, target 1): every history
// event the server stores, and the tasks it hands to workers. Used on live workflows (through a client) and on the
// recorded histories in tests/fixtures/histories, counted the same way, so the code before a change (a fixture) and
// after it (a live run) compare like for like.

import fs from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { BenchRow, BenchSection } from './types';

// CommonJS package: its namespaces come through the default export under Node's ESM loader.
const { temporal } = proto;
type History = proto.temporal.api.history.v1.IHistory;

/** What one workflow's history cost Temporal. */
export interface TemporalWork {
  /** Every event in the history. */
  events: number;
  /** Workflow tasks handed to a worker (each a round trip: scheduled, started, completed). */
  workflowTasks: number;
  /** Activity tasks (normal activities, each scheduled, started, completed). */
  activityTasks: number;
  /** Local activities (one marker each, run inside a workflow task). */
  localActivities: number;
  /** Other markers (patches). */
  otherMarkers: number;
  timers: number;
  signals: number;
  updates: number;
  /** Events by type (EVENT_TYPE_… names). */
  byType: Record<string, number>;
}

/** An event's type by name, whether the history came from a client (enum numbers) or a fixture (enum names). */
function typeName(eventType: unknown): string {
  if (typeof eventType === 'string') return eventType;
  return temporal.api.enums.v1.EventType[eventType as number] ?? `UNKNOWN_${String(eventType)}`;
}

/** Counts one history. */
export function countHistory(history: History): TemporalWork {
  const byType: Record<string, number> = {};
  let localActivities = 0;
  let otherMarkers = 0;
  for (const event of history.events ?? []) {
    const type = typeName(event.eventType);
    byType[type] = (byType[type] ?? 0) + 1;
    if (type === 'EVENT_TYPE_MARKER_RECORDED') {
      if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity') localActivities++;
      else otherMarkers++;
    }
  }
  const n = (type: string) => byType[`EVENT_TYPE_${type}`] ?? 0;
  return {
    events: history.events?.length ?? 0,
    workflowTasks: n('WORKFLOW_TASK_SCHEDULED'),
    activityTasks: n('ACTIVITY_TASK_SCHEDULED'),
    localActivities,
    otherMarkers,
    timers: n('TIMER_STARTED'),
    signals: n('WORKFLOW_EXECUTION_SIGNALED'),
    updates: n('WORKFLOW_EXECUTION_UPDATE_ACCEPTED'),
    byType,
  };
}

/** Tasks a worker is handed for the history: workflow tasks plus activity tasks. */
export function tasksOf(work: TemporalWork): number {
  return work.workflowTasks + work.activityTasks;
}

/** Fetches each workflow's history (its latest run) and counts it. */
export async function temporalWork(client: Client, workflowIds: readonly string[]): Promise<TemporalWork[]> {
  return Promise.all(workflowIds.map(async (id) => countHistory(await client.workflow.getHandle(id).fetchHistory())));
}

/** Counts a recorded history fixture (tests/fixtures/histories). */
export async function fixtureWork(file: string): Promise<TemporalWork> {
  return countHistory(JSON.parse(await fs.readFile(file, 'utf8')) as History);
}

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'tests', 'fixtures', 'histories');

/**
 * The paths compared, each as a history recorded by the old code (activity tasks for every write) beside one recorded
 * by the new (local activities), both by the integration tests over GraphQL: the same steps, counted the same way.
 */
export const COMPARED_PATHS = [
  {
    path: 'MASH path (receipt → recommendation → MASH decision with deadline → consent, agency request and response → MASH decision → referral)',
    before: 'contact-step-answers-mash-referral-hf.json',
    after: 'contact-local-activities-mash-referral-hf.json',
  },
  {
    path: 'no-further-action path (receipt → recommendation → screening decision → closed)',
    // Recorded by tests/integration/temporal-work.test.ts run on the code before the change (the same steps).
    before: 'contact-nfa-before-local-activities-hf.json',
    after: 'contact-local-activities-nfa-hf.json',
  },
] as const;

/**
 * "temporal work": events and tasks per contact, before (the old code's recorded history) and after (the new), both
 * histories recorded live over GraphQL by tests/integration/temporal-work.test.ts. Reads them; starts nothing.
 */
export const temporalWorkSection: BenchSection = {
  name: 'temporal work',
  async run(context) {
    const rows: BenchRow[] = [];
    for (const compared of COMPARED_PATHS) {
      const before = await fixtureWork(path.join(FIXTURES, compared.before)).catch(() => null);
      const after = await fixtureWork(path.join(FIXTURES, compared.after)).catch(() => null);
      if (!before || !after) {
        context.say(`temporal work: no recorded history for ${compared.path}; run tests/integration/temporal-work.test.ts`);
        continue;
      }
      for (const [measure, figure, baseline] of [
        ['history events per contact', after.events, before.events],
        ['workflow + activity tasks per contact', tasksOf(after), tasksOf(before)],
      ] as const) {
        const ratio = figure === 0 ? null : baseline / figure;
        rows.push({
          section: 'temporal work', measure: `${measure}, ${compared.path}`, figure: `${figure}`, baseline: `${baseline}`,
          ratio, target: '≥ 2× fewer', met: ratio !== null && ratio >= 2,
          note: `after: ${after.workflowTasks} workflow tasks, ${after.activityTasks} activity tasks, ${after.localActivities} local activities, ${after.timers} timers`,
        });
      }
    }
    // Episode steps are not changed yet: what each costs today, per update (step), from a recorded full episode.
    const episode = await fixtureWork(path.join(FIXTURES, 'episode-child-protection-hf.json')).catch(() => null);
    if (episode && episode.updates > 0) {
      rows.push({
        section: 'temporal work', measure: 'history events per episode step (child-protection episode, recorded)',
        figure: (episode.events / episode.updates).toFixed(1), baseline: '—', ratio: null, target: '—', met: null,
        note: `${episode.updates} steps: ${episode.workflowTasks} workflow tasks, ${episode.activityTasks} activity tasks, ${episode.timers} timers; not yet changed`,
      });
    }
    return rows;
  },
};
