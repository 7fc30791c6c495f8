import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { request, type Answer, type ApiError, type Problem } from './graphql';
import { BASE, navigate } from './router';
import type { Rag } from './operations';

/** Runs a query when mounted and whenever `key` changes; `reload` runs it again (e.g. on a live event). */
export function useAnswer<T>(query: string, variables: Record<string, unknown>, key: string): { answer: Answer<T> | null; reload: () => void } {
  const [answer, setAnswer] = useState<Answer<T> | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    void request<T>(query, variables).then((next) => current && setAnswer(next));
    return () => {
      current = false;
    };
  }, [query, key, generation]);
  return { answer, reload: () => setGeneration((g) => g + 1) };
}

/** The time now, updated every `everyMs` (for deadlines counting down). */
export function useNow(everyMs = 15_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** A link to a console route that navigates without reloading. */
export function Link(props: { to: string; children: ComponentChildren; class?: string }) {
  return (
    <a
      class={props.class ?? 'govuk-link'}
      href={BASE + props.to}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}

/**
 * Why something is not shown, as a sentence: the API's own message (it names the roles or boroughs needed), with
 * what to do about it. Every screen shows this instead of a blank when the API refuses.
 */
export function Refusal(props: { errors: ApiError[]; what: string }) {
  if (props.errors.length === 0) return null;
  const error = props.errors[0]!;
  const heading =
    error.code === 'FORBIDDEN' ? `You cannot see ${props.what}`
    : error.code === 'NOT_FOUND' ? `${capitalise(props.what)} is not in your boroughs`
    : error.code === 'UNAUTHENTICATED' ? 'You need to sign in again'
    : `${capitalise(props.what)} could not be shown`;
  const advice =
    error.code === 'FORBIDDEN' ? 'Ask your administrator if you need this access.'
    : error.code === 'NOT_FOUND' ? 'Check the reference, or the boroughs on your token.'
    : error.code === 'UNAUTHENTICATED' ? null
    : 'Try again in a moment.';
  return (
    <div class="govuk-inset-text" data-refusal={error.code}>
      <h2 class="govuk-heading-s">{heading}</h2>
      <p class="govuk-body">{error.message}</p>
      {advice && <p class="govuk-body">{advice}</p>}
      {error.code === 'UNAUTHENTICATED' && <p class="govuk-body"><Link to="/sign-in">Sign in</Link></p>}
    </div>
  );
}

export function Loading(props: { what: string }) {
  return <p class="govuk-body" aria-live="polite">Loading {props.what}…</p>;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const RAG_CLASS: Record<Rag, string> = { RED: 'govuk-tag--red', AMBER: 'govuk-tag--orange', GREEN: 'govuk-tag--green' };
export function RagTag(props: { rag: Rag | null }) {
  if (!props.rag) return <strong class="govuk-tag govuk-tag--grey">No RAG yet</strong>;
  return <strong class={`govuk-tag ${RAG_CLASS[props.rag]}`}>{props.rag}</strong>;
}

/** "due in 3 h 20 min" or "overdue by 1 day 2 h", against `now`. */
export function countdown(dueAt: string, now: Date): { text: string; overdue: boolean } {
  const ms = new Date(dueAt).getTime() - now.getTime();
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const span = days > 0 ? `${days} day${days === 1 ? '' : 's'} ${hours} h` : hours > 0 ? `${hours} h ${mins} min` : `${mins} min`;
  return ms >= 0 ? { text: `due in ${span}`, overdue: false } : { text: `overdue by ${span}`, overdue: true };
}

export function Deadline(props: { dueAt: string | null; now: Date }) {
  if (!props.dueAt) return <span>No deadline</span>;
  const { text, overdue } = countdown(props.dueAt, props.now);
  return (
    <span class={overdue ? 'front-door-overdue' : undefined}>
      <time dateTime={props.dueAt}>{formatDateTime(props.dueAt)}</time>
      <br />
      <span class="govuk-body-s">{text}</span>
    </span>
  );
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function words(code: string): string {
  const text = code.toLowerCase().replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The problems a refused step reported, keyed by field id (the API's path without its leading `input.`). */
export function problemsByField(errors: ApiError[]): { byField: Record<string, string>; summary: Problem[] } {
  const summary: Problem[] = [];
  const byField: Record<string, string> = {};
  for (const error of errors) {
    const problems = error.problems.length > 0 ? error.problems : [{ field: '', message: error.message }];
    for (const problem of problems) {
      const field = problem.field.replace(/^input\.?/, '');
      summary.push({ field, message: problem.field && !problem.message.startsWith(field) ? `${labelFor(field)}: ${problem.message}` : problem.message });
      if (field) byField[field] = problem.message;
    }
  }
  return { byField, summary };
}

function labelFor(field: string): string {
  return words(field.replace(/([A-Z])/g, '_$1'));
}

/** The GOV.UK error summary: focused when it appears, each problem linking to its field. */
export function ErrorSummary(props: { problems: Problem[]; idPrefix: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (props.problems.length > 0) ref.current?.focus();
  }, [props.problems]);
  if (props.problems.length === 0) return null;
  return (
    <div class="govuk-error-summary" ref={ref} tabIndex={-1}>
      <div role="alert">
        <h2 class="govuk-error-summary__title">There is a problem</h2>
        <div class="govuk-error-summary__body">
          <ul class="govuk-list govuk-error-summary__list">
            {props.problems.map((problem) => (
              <li key={problem.field + problem.message}>
                {problem.field ? (
                  <a
                    href={`#${props.idPrefix}-${problem.field}`}
                    onClick={(event) => {
                      event.preventDefault();
                      document.getElementById(`${props.idPrefix}-${problem.field}`)?.focus();
                    }}
                  >
                    {problem.message}
                  </a>
                ) : (
                  problem.message
                )}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}

interface FieldProps {
  id: string;
  label: string;
  hint?: string;
  error?: string | undefined;
}

function FieldFrame(props: FieldProps & { children: ComponentChildren }) {
  return (
    <div class={`govuk-form-group${props.error ? ' govuk-form-group--error' : ''}`}>
      <label class="govuk-label govuk-label--s" for={props.id}>{props.label}</label>
      {props.hint && <div id={`${props.id}-hint`} class="govuk-hint">{props.hint}</div>}
      {props.error && (
        <p id={`${props.id}-error`} class="govuk-error-message">
          <span class="govuk-visually-hidden">Error:</span> {props.error}
        </p>
      )}
      {props.children}
    </div>
  );
}

function describedBy(props: FieldProps): string | undefined {
  return [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-error` : ''].filter(Boolean).join(' ') || undefined;
}

export function TextArea(props: FieldProps & { value: string; onInput: (value: string) => void; rows?: number }) {
  return (
    <FieldFrame {...props}>
      <textarea class={`govuk-textarea${props.error ? ' govuk-textarea--error' : ''}`} id={props.id} name={props.id} rows={props.rows ?? 3} aria-describedby={describedBy(props)} value={props.value} onInput={(e) => props.onInput(e.currentTarget.value)} />
    </FieldFrame>
  );
}

export function TextInput(props: FieldProps & { value: string; onInput: (value: string) => void; width?: string }) {
  return (
    <FieldFrame {...props}>
      <input class={`govuk-input ${props.width ?? ''}${props.error ? ' govuk-input--error' : ''}`} id={props.id} name={props.id} type="text" aria-describedby={describedBy(props)} value={props.value} onInput={(e) => props.onInput(e.currentTarget.value)} />
    </FieldFrame>
  );
}

export function Select(props: FieldProps & { value: string; options: readonly { value: string; label: string }[]; onChange: (value: string) => void }) {
  return (
    <FieldFrame {...props}>
      <select class={`govuk-select${props.error ? ' govuk-select--error' : ''}`} id={props.id} name={props.id} aria-describedby={describedBy(props)} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        {props.options.map((option) => <option key={option.value} value={option.value}>{option.label}</option>)}
      </select>
    </FieldFrame>
  );
}
