import { ApplicationFailure } from '@temporalio/activity';
import { DateTime } from 'luxon';
import { appendEvent, closeTasks, openTask, recordEscalation, updateCase, type CaseEventInput, type EscalationInput, type TaskInput } from '../db/casework';
import type { Sql } from '../db/sql';
import type { BoroughRegistry } from '../rules/borough-config';
import { addCalendarMonths, addOfficeHours, addWorkingDays, localDateOf } from '../rules/calendar';
import type { EscalationStage } from '../rules/vocabulary';

/** A deadline rule, in the borough's own calendar. */
export type DeadlineSpec =
  | { kind: 'WORKING_DAYS'; days: number }
  | { kind: 'OFFICE_HOURS'; hours: number }
  | { kind: 'CALENDAR_HOURS'; hours: number }
  | { kind: 'CALENDAR_MONTHS'; months: number };

/** A computed deadline: the instant, and the London date it falls on. */
export interface Due {
  dueAt: string;
  dueDate: string;
}

/**
 * Activities shared by every stage of the casework path: timeline events, tasks with due dates, case fields,
 * deadlines from the borough calendar, and escalation ladders. All idempotent.
 */
export function createCaseworkActivities({ sql, boroughs }: { sql: Sql; boroughs: BoroughRegistry }) {
  const boroughFor = (code: string) => {
    const borough = boroughs.get(code);
    if (!borough) throw ApplicationFailure.create({ type: 'UnknownBorough', message: `No configuration for borough "${code}" on this worker.`, nonRetryable: true });
    return borough;
  };

  return {
    /** Appends a timeline event once (keyed by case, kind and key). */
    async recordCaseEvent(event: CaseEventInput): Promise<void> {
      await appendEvent(sql, event);
    },

    /** Opens a task with its due date once (keyed by case, kind and key). */
    async openCaseTask(task: TaskInput): Promise<void> {
      await openTask(sql, task);
    },

    /** Closes a case's open tasks of a kind (or one keyed task). */
    async closeCaseTasks({ borough, caseId, kind, key, status, at }: { borough: string; caseId: string; kind: string; key?: string; status: 'DONE' | 'CANCELLED'; at: string }): Promise<void> {
      await closeTasks(sql, borough, caseId, key === undefined ? { kind } : { kind, key }, status, at);
    },

    /** Sets a case's stage, RAG, next deadline, urgency or closure. */
    async updateCaseFields({ borough, caseId, fields }: { borough: string; caseId: string; fields: Parameters<typeof updateCase>[3] }): Promise<void> {
      await updateCase(sql, borough, caseId, fields);
    },

    /** Computes a deadline from `from` in the borough's calendar (working days, office hours, hours, months). */
    computeDeadline({ borough: code, from, spec }: { borough: string; from: string; spec: DeadlineSpec }): Promise<Due> {
      return Promise.resolve(deadlineFor(boroughFor(code).calendar, new Date(from), spec));
    },

    /** The instants at which each rung of the stage's escalation ladder fires, for a step due at `dueAt`. */
    escalationPlan({ borough: code, stage, dueAt }: { borough: string; stage: string; dueAt: string }): Promise<{ rung: number; notify: string; at: string }[]> {
      const borough = boroughFor(code);
      const ladder = borough.settings.escalation[stage as EscalationStage];
      if (!ladder) throw ApplicationFailure.create({ type: 'UnknownStage', message: `Borough ${code} has no escalation ladder for stage ${stage}.`, nonRetryable: true });
      return Promise.resolve(ladder.rungs.map((rung, index) => {
        const spec: DeadlineSpec = ladder.counting === 'OFFICE_HOURS' ? { kind: 'OFFICE_HOURS', hours: rung.afterHours } : { kind: 'CALENDAR_HOURS', hours: rung.afterHours };
        return { rung: index, notify: rung.notify, at: deadlineFor(borough.calendar, new Date(dueAt), spec).dueAt };
      }));
    },

    /** Records one rung of an escalation (once per stage, deadline and rung) and announces it. */
    async escalate(escalation: EscalationInput): Promise<boolean> {
      return recordEscalation(sql, escalation);
    },
  };
}

function deadlineFor(calendar: Parameters<typeof addWorkingDays>[2], from: Date, spec: DeadlineSpec): Due {
  switch (spec.kind) {
    case 'WORKING_DAYS': {
      const due = addWorkingDays(from, spec.days, calendar);
      return { dueAt: due.dueAt.toISOString(), dueDate: due.dueDate };
    }
    case 'OFFICE_HOURS': {
      const at = spec.hours === 0 ? from : addOfficeHours(from, spec.hours, calendar);
      return { dueAt: at.toISOString(), dueDate: localDateOf(at, calendar) };
    }
    case 'CALENDAR_HOURS': {
      const at = new Date(from.getTime() + spec.hours * 3_600_000);
      return { dueAt: at.toISOString(), dueDate: localDateOf(at, calendar) };
    }
    case 'CALENDAR_MONTHS': {
      // Due by the close of office hours on the same date N months on (clamped to the month's end).
      const dueDate = addCalendarMonths(localDateOf(from, calendar), spec.months);
      const midday = DateTime.fromISO(`${dueDate}T12:00`, { zone: calendar.timeZone }).toJSDate();
      return { dueAt: addWorkingDays(midday, 0, calendar).dueAt.toISOString(), dueDate };
    }
  }
}
