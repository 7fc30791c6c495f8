import { proxyActivities, uuid4 } from '@temporalio/workflow';
import { DateTime } from 'luxon';
import type { Activities } from '../../activities';
import type { DeadlineSpec, Due } from '../../activities/casework';
import type { EpisodeWrite } from '../../db/episodes';
import { localDateOf } from '../../rules/calendar';
import { untilDoneOrEscalate } from '../shared/clock';
import { SECTION_47_START_CLOCK, type Clock, type EpisodeSettings, type EpisodeStage, type EpisodeState, type EpisodeStep } from './types';
import { calendarOf, todayIn } from './validate';

// PostgreSQL may be down for a while: keep retrying (never lose a step a caseworker was told was accepted).
const untilStored = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
} as const;

export const act = proxyActivities<Activities>(untilStored);

/** Who did a step on an episode, and when (workflow time): what every store activity is given. */
export interface Stamp {
  borough: string;
  caseId: string;
  contactId: string;
  by: string;
  at: string;
}

/** One run of an episode: its state, the settings this run read, and the helpers every step uses. */
export interface EpisodeRun {
  readonly state: EpisodeState;
  readonly settings: EpisodeSettings;
  /**
   * Records a write, in the background. The writes a step makes in one go travel as one numbered batch (one
   * activity, issued at once); PostgreSQL applies the batches exactly once and in order.
   */
  persist(write: EpisodeWrite): void;
  /** Tracks background work the run must finish before it continues as new or completes. */
  track(work: Promise<unknown>): void;
  /** No queued write or tracked work is outstanding. */
  idle(): boolean;
  /** A deadline from `from` in the borough's calendar (the computeDeadline activity). */
  deadline(from: string, spec: DeadlineSpec): Promise<Due>;
  /** Starts (or restarts, with a new deadline) the clock `key`: a task with its due date, escalated up the ladder when missed. */
  startClock(key: string, clock: Omit<Clock, 'id'>): void;
  /** Stops clock `key` (met: DONE; no longer needed: CANCELLED); its pending escalations stop with it. */
  stopClock(key: string, status: 'DONE' | 'CANCELLED'): void;
  /** Re-arms every running clock's escalation watcher (a new run after continue-as-new). */
  resumeClocks(): void;
  stamp(by: string): Stamp;
  /** An accepted step's answer; also brings the case row's stage and next deadline up to date. */
  step(result: Partial<Pick<EpisodeStep, 'recordId' | 'deadlines' | 'missingAgencies' | 'overdueActions'>>): EpisodeStep;
  syncCase(): void;
  /** Midday on a local date, as an ISO instant: where day-counted deadlines start. */
  noonOn(localDate: string): string;
  today(): string;
  localDate(instant: string): string;
}

export function createRun(state: EpisodeState, settings: EpisodeSettings): EpisodeRun {
  const pending = new Set<Promise<unknown>>();
  let batch: EpisodeWrite[] | null = null;
  let synced = { stage: '', nextDueAt: '' };
  const { borough, caseId, contactId } = state;
  const now = () => new Date().toISOString();

  const track = (work: Promise<unknown>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  // A batch is sent once the code that started it yields: in the same activation, before the step's update completes,
  // and never waiting on an earlier write, so what a step issues does not depend on when earlier writes finished
  // (a replay can see those finish at a different point relative to the step).
  const persist = (write: EpisodeWrite) => {
    if (batch === null) {
      const writes: EpisodeWrite[] = (batch = []);
      track(Promise.resolve().then(() => {
        batch = null;
        state.writes += 1;
        return act.applyEpisodeWrites({ borough, caseId, seq: state.writes, writes });
      }));
    }
    batch.push(write);
  };
  const taskKey = (key: string, clock: Clock) => `${key}@${clock.dueAt}`;
  const watch = (key: string, clock: Clock) => {
    void untilDoneOrEscalate(() => state.clocks[key]?.id !== clock.id, {
      borough, caseId, contactId, stage: clock.stage, subject: clock.subject, dueAt: clock.dueAt, reason: `Overdue: ${clock.title}`,
    });
  };
  const close = (key: string, clock: Clock, status: 'DONE' | 'CANCELLED') =>
    persist({ op: 'closeTasks', args: { borough, caseId, kind: clock.stage, key: taskKey(key, clock), status, at: now() } });

  const run: EpisodeRun = {
    state,
    settings,
    persist,
    track,
    idle: () => pending.size === 0,
    deadline: (from, spec) => act.computeDeadline({ borough, from, spec }),
    startClock(key, spec) {
      const previous = state.clocks[key];
      if (previous?.dueAt === spec.dueAt) return;
      if (previous) close(key, previous, 'CANCELLED');
      const clock: Clock = { id: uuid4(), ...spec };
      state.clocks[key] = clock;
      persist({ op: 'openTask', args: {
        borough, caseId, kind: clock.stage, key: taskKey(key, clock), title: clock.title, dueAt: clock.dueAt, dueDate: clock.dueDate, createdAt: now(), detail: { subject: clock.subject },
      } });
      watch(key, clock);
    },
    stopClock(key, status) {
      const clock = state.clocks[key];
      if (!clock) return;
      delete state.clocks[key];
      close(key, clock, status);
    },
    resumeClocks() {
      for (const [key, clock] of Object.entries(state.clocks)) watch(key, clock);
    },
    stamp: (by) => ({ borough, caseId, contactId, by, at: now() }),
    step(result) {
      run.syncCase();
      return {
        caseId, stage: stageOf(state), level: state.level, recordId: result.recordId ?? null, deadlines: result.deadlines ?? [],
        missingAgencies: result.missingAgencies ?? [], overdueActions: result.overdueActions ?? [],
        // A batch still being filled is sent (numbered next) once this code yields.
        writesThrough: state.writes + (batch === null ? 0 : 1),
      };
    },
    syncCase() {
      if (state.closed) return;
      const stage = stageOf(state);
      const nextDueAt = Object.values(state.clocks).map((c) => c.dueAt).sort()[0] ?? '';
      if (stage === synced.stage && nextDueAt === synced.nextDueAt) return;
      synced = { stage, nextDueAt };
      persist({ op: 'updateCase', args: { borough, caseId, fields: { stage, nextDueAt: nextDueAt || null } } });
    },
    noonOn: (localDate) => DateTime.fromISO(`${localDate}T12:00`, { zone: settings.calendar.timeZone }).toUTC().toISO()!,
    today: () => todayIn(settings, Date.now()),
    localDate: (instant) => localDateOf(new Date(instant), calendarOf(settings)),
  };
  return run;
}

/** The stage an episode shows in queues: the most pressing thing open on it. */
export function stageOf(s: EpisodeState): EpisodeStage {
  if (s.closed) return 'CLOSED';
  if (s.strategy.required !== null) return 'STRATEGY_DISCUSSION';
  if ((s.s47 && s.s47.status !== 'COMPLETED') || s.clocks[SECTION_47_START_CLOCK]) return 'SECTION_47';
  if (s.s47?.recommendation === 'CONVENE_ICPC' && !s.s47.conferenceHeld) return 'AWAITING_ICPC';
  if (s.cpPlan) return 'CP_PLAN';
  if (s.assessment?.status === 'OPEN') return 'ASSESSMENT';
  if (s.cinPlan) return 'CIN_PLAN';
  if (s.level === 'EARLY_HELP') return 'EARLY_HELP';
  if (s.nfa) return 'NO_FURTHER_ACTION';
  // An assessment completed with nothing yet decided after it (a plan, early help, or closure): no longer a
  // referral awaiting assessment. No patch needed: this stage replaces REFERRAL exactly while an assessment is
  // completed and nothing else is open, so every stage comparison in syncCase (and so every write it issues) comes
  // out as before; only the stage value written differs.
  if (s.assessment?.status === 'COMPLETED') return 'ASSESSMENT_COMPLETED';
  return 'REFERRAL';
}
