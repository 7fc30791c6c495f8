import { useEffect, useState } from 'preact/hooks';
import { Deadline, Link, Loading, RagTag, Refusal, useAnswer, useNow, words } from '../components';
import { subscribe, type ApiError } from '../graphql';
import { ESCALATIONS, OUT_OF_HOURS_QUEUE, WORK_QUEUE, type QueueCase } from '../operations';
import { EscalateForm } from './escalate';
import type { Session } from '../session';

/**
 * A queue in working order (urgent first, then RED, AMBER, GREEN, then the soonest deadline, as the API orders it),
 * with deadlines counting down and escalations arriving live. `borough` null: the out-of-hours queue.
 */
export function Queue(props: { session: Session; borough: string | null }) {
  const outOfHours = props.borough === null;
  const { answer, reload } = useAnswer<{ workQueue?: QueueCase[]; outOfHoursQueue?: QueueCase[] }>(outOfHours ? OUT_OF_HOURS_QUEUE : WORK_QUEUE, outOfHours ? {} : { borough: props.borough }, props.borough ?? '');
  const [live, setLive] = useState<'connecting' | 'live' | ApiError>('connecting');
  const now = useNow();
  const boroughs = outOfHours ? props.session.boroughs : [props.borough!];
  useEffect(() => {
    setLive('connecting');
    let open = 0;
    const stops = boroughs.map((borough) =>
      subscribe(ESCALATIONS, { borough }, () => reload(), (error) => setLive(error), () => {
        // Reload once connected too: nothing raised while connecting is missed.
        if (++open >= boroughs.length) setLive('live');
        reload();
      }),
    );
    // New cases and changed deadlines have no subscription: look again every minute.
    const timer = setInterval(reload, 60_000);
    return () => {
      clearInterval(timer);
      stops.forEach((stop) => stop());
    };
    // Re-subscribe only when the boroughs change.
  }, [boroughs.join(',')]);

  const title = outOfHours ? 'Out-of-hours queue' : `Work queue: ${props.borough}`;
  const cases = answer?.data?.workQueue ?? answer?.data?.outOfHoursQueue ?? null;
  return (
    <>
      <h1 class="govuk-heading-l">{title}</h1>
      <p class="govuk-body-s" aria-live="polite">
        {live === 'live' ? 'Escalations appear here as they happen.' : live === 'connecting' ? 'Connecting for live updates…' : `Live updates are off: ${live.message}`}
      </p>
      {!answer && <Loading what="the queue" />}
      {answer && <Refusal errors={answer.errors} what={outOfHours ? 'the out-of-hours queue' : `the work queue of ${props.borough}`} />}
      {cases && cases.length === 0 && <p class="govuk-body">Nothing is waiting.</p>}
      {cases && cases.length > 0 && (
        <table class="govuk-table" data-queue={outOfHours ? 'out-of-hours' : 'work'}>
          <caption class="govuk-table__caption govuk-table__caption--m govuk-visually-hidden">{title}, in the order to work them</caption>
          <thead class="govuk-table__head">
            <tr class="govuk-table__row">
              <th scope="col" class="govuk-table__header">Reference</th>
              <th scope="col" class="govuk-table__header">Stage</th>
              <th scope="col" class="govuk-table__header">RAG</th>
              <th scope="col" class="govuk-table__header">Next deadline</th>
              <th scope="col" class="govuk-table__header">Marks</th>
              <th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody class="govuk-table__body">
            {cases.map((item) => <QueueRow key={item.id} item={item} now={now} onEscalated={reload} />)}
          </tbody>
        </table>
      )}
    </>
  );
}

function QueueRow(props: { item: QueueCase; now: Date; onEscalated: () => void }) {
  const { item } = props;
  const [open, setOpen] = useState(false);
  const escalated = item.urgent || item.escalations.length > 0;
  const id = `escalate-${item.id}`;
  return (
    <>
      <tr class="govuk-table__row" data-case={item.id}>
        <td class="govuk-table__cell"><Link to={`/cases/${item.id}`}>{item.reference}</Link><br /><span class="govuk-body-s">{item.kind === 'CONTACT' ? 'Contact' : 'Episode'} · {item.borough}</span></td>
        <td class="govuk-table__cell">{words(item.stage)}</td>
        <td class="govuk-table__cell"><RagTag rag={item.rag} /></td>
        <td class="govuk-table__cell"><Deadline dueAt={item.nextDueAt} now={props.now} /></td>
        <td class="govuk-table__cell">
          {escalated && <strong class="govuk-tag govuk-tag--red" data-mark="escalated">Escalated</strong>}{' '}
          {item.overdue && <strong class="govuk-tag govuk-tag--pink" data-mark="overdue">Overdue</strong>}{' '}
          {item.outOfHours && <strong class="govuk-tag govuk-tag--purple">Out of hours</strong>}
        </td>
        <td class="govuk-table__cell">
          {item.kind === 'CONTACT' && !item.urgent && (
            <button type="button" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" aria-expanded={open} aria-controls={`${id}-form`} onClick={() => setOpen(!open)}>
              Escalate<span class="govuk-visually-hidden"> {item.reference}</span>
            </button>
          )}
        </td>
      </tr>
      {open && (
        <tr class="govuk-table__row">
          <td class="govuk-table__cell" colSpan={6}>
            <EscalateForm contactId={item.contactId} reference={item.reference} idPrefix={id} onDone={() => { setOpen(false); props.onEscalated(); }} />
          </td>
        </tr>
      )}
    </>
  );
}
