/**
 * What makes a plan action acceptable (the inspection's third criticism: actions lacked specificity, the role of
 * partner agencies was unclear, and timescales were missing or "the next review"). Every action names what will be
 * done, the agency responsible (and the person where known), a real due date, and the outcome it is for. Pure: the
 * episode workflow's validators and the unit tests call it.
 */
import { DateTime } from 'luxon';
import { AGENCIES, type Agency } from './vocabulary';

/** An action as proposed for a plan (or agreed at a strategy discussion). */
export interface PlanActionDraft {
  description: string;
  responsibleAgency: string;
  /** The named person responsible, where known. */
  responsiblePerson: string | null;
  /** 'YYYY-MM-DD'. Anything else (e.g. "next review") is refused with the reason. */
  dueDate: string;
  intendedOutcome: string | null;
}

export interface ActionProblem {
  field: 'description' | 'responsibleAgency' | 'responsiblePerson' | 'dueDate' | 'intendedOutcome';
  message: string;
}

export interface ActionContext {
  /** Today's local date 'YYYY-MM-DD': an action cannot be due before it. */
  today: string;
  /** The episode's closure date, when closed: an action cannot be due after it. */
  closedOn?: string | null;
  /** Strategy discussion actions need an owner and a date but no intended outcome. Default true. */
  outcomeRequired?: boolean;
}

/** Phrases that say nothing anyone can be held to, each with why, matched as whole words, case-insensitively. */
const VAGUE_PHRASES: readonly { pattern: RegExp; phrase: string }[] = [
  { pattern: /\bmonitor(s|ed|ing)?\b/i, phrase: 'monitor' },
  { pattern: /\bcontinue(s|d)? to\b/i, phrase: 'continue to' },
  { pattern: /\bas (and when )?appropriate\b/i, phrase: 'as appropriate' },
  { pattern: /\bas (and when )?(needed|necessary|required)\b/i, phrase: 'as needed' },
  { pattern: /\bon-?going\b/i, phrase: 'ongoing' },
  { pattern: /\bsupport (the|this) family\b/i, phrase: 'support the family' },
  { pattern: /\b(next|following) (review|conference|core group|meeting)\b/i, phrase: 'next review' },
  { pattern: /\bkeep an eye\b/i, phrase: 'keep an eye' },
  { pattern: /\bwhen(ever)? possible\b/i, phrase: 'when possible' },
  { pattern: /\b(tbc|tba|to be (confirmed|agreed|arranged))\b/i, phrase: 'to be confirmed' },
  { pattern: /\bif (needed|necessary|required)\b/i, phrase: 'if needed' },
];

const MIN_DESCRIPTION_CHARS = 20;
const MIN_DESCRIPTION_WORDS = 4;
const MIN_OUTCOME_CHARS = 10;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The vague phrase a text uses, if any. */
export function vaguePhraseIn(text: string): string | null {
  return VAGUE_PHRASES.find(({ pattern }) => pattern.test(text))?.phrase ?? null;
}

export function isAgency(value: string): value is Agency {
  return (AGENCIES as readonly string[]).includes(value);
}

/** True when `value` is a real calendar date written 'YYYY-MM-DD'. */
export function isCalendarDate(value: string): boolean {
  return DATE.test(value) && DateTime.fromISO(value, { zone: 'utc' }).isValid;
}

/**
 * Every problem with a proposed action (empty when it can be recorded), each naming the field and what would make
 * it acceptable: a specific description (no vague phrases, not too short), a responsible agency from the list (and a
 * named person when the agency is OTHER), a real due date from today on and not after closure, and an intended
 * outcome (unless not required).
 */
export function planActionProblems(draft: PlanActionDraft, context: ActionContext): ActionProblem[] {
  const problems: ActionProblem[] = [];
  const add = (field: ActionProblem['field'], message: string) => problems.push({ field, message });

  const description = draft.description.trim();
  const vague = vaguePhraseIn(description);
  if (description.length === 0) {
    add('description', 'say what will be done, e.g. "School to send weekly attendance figures to the social worker every Friday".');
  } else if (vague) {
    add('description', `"${vague}" is too vague to hold anyone to: say exactly what will be done, how and how often, e.g. "Health visitor to weigh the baby at home every Tuesday and send the weights to the social worker".`);
  } else if (description.length < MIN_DESCRIPTION_CHARS || description.split(/\s+/).length < MIN_DESCRIPTION_WORDS) {
    add('description', `"${description}" is too short to say what will be done: describe the action in at least ${MIN_DESCRIPTION_WORDS} words (who does what, how).`);
  }

  if (!isAgency(draft.responsibleAgency)) {
    add('responsibleAgency', `"${draft.responsibleAgency}" is not an agency; choose the agency accountable for the action: ${AGENCIES.join(', ')}.`);
  } else if (draft.responsibleAgency === 'OTHER' && !draft.responsiblePerson?.trim()) {
    add('responsiblePerson', 'name the person responsible when the agency is OTHER, so someone is accountable.');
  }
  if (draft.responsiblePerson != null && draft.responsiblePerson.trim().length === 1) {
    add('responsiblePerson', 'give the person\'s name (or leave it out when not yet known).');
  }

  const dueDate = draft.dueDate.trim();
  if (!isCalendarDate(dueDate)) {
    const named = dueDate.length === 0 ? 'no due date' : `"${dueDate}" is not a date`;
    add('dueDate', `${named}: every action needs the date it must be done by (YYYY-MM-DD); "the next review" or "ongoing" is not a timescale.`);
  } else if (dueDate < context.today) {
    add('dueDate', `${dueDate} has already passed; give a date from today (${context.today}) on.`);
  } else if (context.closedOn && dueDate > context.closedOn) {
    add('dueDate', `${dueDate} is after the case closed (${context.closedOn}).`);
  }

  if (context.outcomeRequired ?? true) {
    const outcome = draft.intendedOutcome?.trim() ?? '';
    const vagueOutcome = vaguePhraseIn(outcome);
    if (outcome.length < MIN_OUTCOME_CHARS) {
      add('intendedOutcome', 'say what the action is meant to change for the child, e.g. "Sam attends school at least 95% of sessions this term".');
    } else if (vagueOutcome) {
      add('intendedOutcome', `"${vagueOutcome}" is too vague: say what will be different for the child, and how anyone will know.`);
    }
  }
  return problems;
}
