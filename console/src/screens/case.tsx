import { useEffect, useState } from 'preact/hooks';
import { Deadline, ErrorSummary, Link, Loading, RagTag, Refusal, Select, TextArea, TextInput, formatDateTime, problemsByField, useAnswer, useNow, words } from '../components';
import { errorsAt, request, subscribe, type ApiError } from '../graphql';
import type { Session } from '../session';
import { EscalateForm } from './escalate';
import {
  CASE, CASE_EVENTS, CONTACT, EPISODE, PATHWAYS, RAGS, RECORD_CONSENT, RECORD_SCREENING_DECISION,
  type CaseDetail, type ContactDetail, type Episode, type FamilyHistory,
} from '../operations';

/** A contact or an episode: what it is, what was recommended and why, its history, deadlines, and the steps open now. */
export function CasePage(props: { id: string; session: Session }) {
  const { answer, reload } = useAnswer<{ case: CaseDetail }>(CASE, { id: props.id }, props.id);
  useEffect(() => subscribe(CASE_EVENTS, { caseId: props.id }, () => reload(), () => {}), [props.id]);
  const now = useNow();
  if (!answer) return <Loading what="the case" />;
  const item = answer.data?.case;
  if (!item) return (<><h1 class="govuk-heading-l">Case</h1><Refusal errors={answer.errors} what="this case" /></>);
  return (
    <>
      <span class="govuk-caption-l">{item.kind === 'CONTACT' ? 'Contact' : 'Episode'} · {item.borough}</span>
      <h1 class="govuk-heading-l">{item.reference}</h1>
      <dl class="govuk-summary-list">
        <Row label="Stage" value={words(item.stage)} />
        <Row label="RAG" value={<RagTag rag={item.rag} />} />
        <Row label="Next deadline" value={<Deadline dueAt={item.nextDueAt} now={now} />} />
        <Row label="Children" value={item.children.map((c) => `${c.firstName} ${c.lastName}${c.dateOfBirth ? ` (born ${c.dateOfBirth})` : c.expectedDateOfBirth ? ` (expected ${c.expectedDateOfBirth})` : ''}`).join('; ')} />
        <Row label="Marks" value={<>{(item.urgent || item.escalations.length > 0) && <strong class="govuk-tag govuk-tag--red">Escalated</strong>} {item.overdue && <strong class="govuk-tag govuk-tag--pink">Overdue</strong>} {item.outOfHours && <strong class="govuk-tag govuk-tag--purple">Out of hours</strong>} {item.reReferral && <strong class="govuk-tag govuk-tag--yellow">Re-referral</strong>}</>} />
        <Row label="Allocated" value={item.worker ? `${item.worker}${item.team ? ` (${item.team})` : ''}` : 'Not allocated'} />
      </dl>
      {item.kind === 'CONTACT' ? <ContactPart contactId={item.contactId} urgent={item.urgent} roles={props.session.roles} onStep={reload} /> : <EpisodePart caseId={item.id} />}
      <FamilyHistoryPart history={item.familyHistory} errors={errorsAt(answer.errors, 'case', 'familyHistory')} />
      <h2 class="govuk-heading-m">Open tasks and deadlines</h2>
      {item.openTasks.length === 0 ? <p class="govuk-body">No open tasks.</p> : (
        <table class="govuk-table">
          <thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Task</th><th scope="col" class="govuk-table__header">Due</th><th scope="col" class="govuk-table__header">Status</th></tr></thead>
          <tbody class="govuk-table__body">
            {item.openTasks.map((task) => (
              <tr class="govuk-table__row" key={task.id}>
                <td class="govuk-table__cell">{task.title}</td>
                <td class="govuk-table__cell">{task.dueAt ? <Deadline dueAt={task.dueAt} now={now} /> : task.dueDate ?? 'No date'}</td>
                <td class="govuk-table__cell">{words(task.status)}{task.overdue && <> <strong class="govuk-tag govuk-tag--pink">Overdue</strong></>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2 class="govuk-heading-m">Escalations</h2>
      {item.escalations.length === 0 ? <p class="govuk-body">None.</p> : (
        <ul class="govuk-list govuk-list--bullet" data-escalations>
          {item.escalations.map((e) => <li key={e.id}>{formatDateTime(e.escalatedAt)}: {words(e.stage)}, rung {e.rung}, {e.notify} told. Raised by {e.raisedBy}: “{e.reason}”</li>)}
        </ul>
      )}
      <h2 class="govuk-heading-m">Timeline</h2>
      <ol class="govuk-list" reversed>
        {[...item.timeline].reverse().map((event) => (
          <li key={event.id} class="govuk-!-margin-bottom-2"><strong>{words(event.kind)}</strong> <span class="govuk-body-s">{formatDateTime(event.at)} by {event.actor}</span></li>
        ))}
      </ol>
    </>
  );
}

function Row(props: { label: string; value: preact.ComponentChildren }) {
  return (
    <div class="govuk-summary-list__row">
      <dt class="govuk-summary-list__key">{props.label}</dt>
      <dd class="govuk-summary-list__value">{props.value}</dd>
    </div>
  );
}

function ContactPart(props: { contactId: string; urgent: boolean; roles: string[]; onStep: () => void }) {
  const { answer, reload } = useAnswer<{ contact: ContactDetail }>(CONTACT, { id: props.contactId }, props.contactId);
  if (!answer) return <Loading what="the contact" />;
  const contact = answer.data?.contact;
  if (!contact) return <Refusal errors={answer.errors} what="the contact's details" />;
  const [done, setDone] = useState<string | null>(null);
  const stepped = (message: string) => {
    setDone(message);
    reload();
    props.onStep();
  };
  const rec = contact.recommendation;
  const open = contact.status !== 'CLOSED' && contact.status !== 'REFERRED';
  return (
    <>
      {done && <div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="step-done-title">
        <div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="step-done-title">Success</h2></div>
        <div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">{done}</p></div>
      </div>}
      <h2 class="govuk-heading-m">The contact</h2>
      <dl class="govuk-summary-list">
        <Row label="Status" value={words(contact.status)} />
        <Row label="Received" value={`${formatDateTime(contact.receivedAt)} by ${words(contact.channel)}`} />
        <Row label="Referrer" value={[words(contact.referrer.type), contact.referrer.name, contact.referrer.organisation].filter(Boolean).join(', ')} />
        <Row label="Concerns" value={contact.indicators.map(words).join(', ')} />
        <Row label="Summary" value={contact.summary} />
        <Row label="Consent" value={words(contact.consent)} />
      </dl>
      <h2 class="govuk-heading-m">Recommendation</h2>
      {rec ? (
        <div data-recommendation>
          <p class="govuk-body"><strong>{words(rec.pathway)}</strong>, level of need {rec.levelOfNeed}, <RagTag rag={rec.rag} /></p>
          <p class="govuk-body">{rec.summary}</p>
          <details class="govuk-details">
            <summary class="govuk-details__summary"><span class="govuk-details__summary-text">How the rules decided (ruleset version {rec.rulesetVersion})</span></summary>
            <div class="govuk-details__text">
              <ul class="govuk-list">
                {rec.rules.map((rule) => <li key={rule.id}>{rule.id === rec.decidingRuleId ? <strong>{rule.name} (decided)</strong> : rule.name}: {rule.fired ? 'applied' : 'did not apply'}</li>)}
              </ul>
            </div>
          </details>
        </div>
      ) : <p class="govuk-body">The rules have not run yet.</p>}
      {(contact.status === 'AWAITING_SCREENING' || contact.status === 'SCREENING_OVERDUE') && (
        <Step name="screening" what="Recording the screening decision" roles={SCREENERS} has={props.roles}><ScreeningForm contact={contact} onDone={stepped} /></Step>
      )}
      {open && !props.urgent && (
        <Step name="escalate" what="Escalating a contact" roles={ESCALATORS} has={props.roles}>
          <h2 class="govuk-heading-m">Escalate</h2>
          <EscalateForm contactId={contact.id} reference={contact.reference} idPrefix="escalate" onDone={() => stepped('Escalated: the borough\'s escalation ladder has been told.')} />
        </Step>
      )}
      {open && <Step name="consent" what="Recording consent" roles={CONSENTERS} has={props.roles}><ConsentForm contactId={contact.id} onDone={stepped} /></Step>}
    </>
  );
}

// Who may take each step (api/access.ts); the API decides, this only saves offering a form that would be refused.
const SCREENERS = ['practitioner', 'manager', 'mash_worker', 'out_of_hours'];
const CONSENTERS = ['mash_worker', 'practitioner', 'manager'];
const ESCALATORS = ['out_of_hours', 'manager'];

/** A step's form for a caller who holds one of its roles; otherwise a sentence saying who may take it. */
function Step(props: { name: string; what: string; roles: string[]; has: string[]; children: preact.ComponentChildren }) {
  if (props.roles.some((role) => props.has.includes(role))) return <>{props.children}</>;
  return <p class="govuk-body" data-missing={props.name}>{props.what} needs one of the roles {props.roles.join(', ')}; you have {props.has.join(', ') || 'none'}.</p>;
}

function ScreeningForm(props: { contact: ContactDetail; onDone: (message: string) => void }) {
  const rec = props.contact.recommendation;
  const [pathway, setPathway] = useState<string>(rec?.pathway ?? 'MASH_ENQUIRY');
  const [rag, setRag] = useState<string>(rec?.rag ?? 'AMBER');
  const [level, setLevel] = useState(String(rec?.levelOfNeed ?? 3));
  const [rationale, setRationale] = useState('');
  const [overrideReason, setOverrideReason] = useState('');
  const [primaryNeed, setPrimaryNeed] = useState('');
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const levelOfNeed = Number(level);
    const local = Number.isInteger(levelOfNeed) ? [] : [{ message: 'Enter the level of need as a whole number', path: [], code: 'BAD_USER_INPUT', problems: [{ field: 'input.levelOfNeed', message: 'Enter the level of need as a whole number, for example 3' }] }];
    if (local.length > 0) return setErrors(local);
    setBusy(true);
    const answer = await request<{ recordScreeningDecision: { status: string; outcome: string | null } }>(RECORD_SCREENING_DECISION, {
      contactId: props.contact.id,
      input: { pathway, rag, levelOfNeed, rationale, overrideReason: overrideReason.trim() || null, primaryNeed: primaryNeed.trim() || null },
    });
    setBusy(false);
    setErrors(answer.errors);
    if (answer.data) props.onDone(`Screening decision recorded: the contact is now ${words(answer.data.recordScreeningDecision.status).toLowerCase()}.`);
  };
  const { byField, summary } = problemsByField(errors);
  return (
    <form onSubmit={(event) => void submit(event)} noValidate data-step="screening">
      <h2 class="govuk-heading-m">Record the screening decision</h2>
      <ErrorSummary problems={summary} idPrefix="screening" />
      <Select id="screening-pathway" label="Pathway" value={pathway} onChange={setPathway} options={PATHWAYS.map((p) => ({ value: p, label: words(p) }))} error={byField.pathway} />
      <Select id="screening-rag" label="RAG rating" value={rag} onChange={setRag} options={RAGS.map((r) => ({ value: r, label: r }))} error={byField.rag} />
      <TextInput id="screening-levelOfNeed" label="Level of need" hint="1 (universal) to 4 (specialist)" value={level} onInput={setLevel} width="govuk-input--width-2" error={byField.levelOfNeed} />
      <TextArea id="screening-rationale" label="Rationale" value={rationale} onInput={setRationale} error={byField.rationale} />
      <TextArea id="screening-overrideReason" label="Reason for overriding the recommendation" hint={rec ? `Needed if you decide other than ${words(rec.pathway).toLowerCase()}, level ${rec.levelOfNeed}, ${rec.rag}.` : 'Needed if you decide other than the recommendation.'} value={overrideReason} onInput={setOverrideReason} error={byField.overrideReason} />
      <TextInput id="screening-primaryNeed" label="Primary need code (optional)" hint="N0 to N9; needed for a referral" value={primaryNeed} onInput={setPrimaryNeed} width="govuk-input--width-3" error={byField.primaryNeed} />
      <button type="submit" class="govuk-button" disabled={busy}>Record decision</button>
    </form>
  );
}

function ConsentForm(props: { contactId: string; onDone: (message: string) => void }) {
  const [status, setStatus] = useState('SOUGHT');
  const [reason, setReason] = useState('');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<ApiError[]>([]);
  const submit = async (event: Event) => {
    event.preventDefault();
    const answer = await request<{ recordConsent: { consent: string } }>(RECORD_CONSENT, { contactId: props.contactId, status, reason: reason || null, note });
    setErrors(answer.errors);
    if (answer.data) {
      setNote('');
      props.onDone(`Consent recorded: ${words(answer.data.recordConsent.consent).toLowerCase()}.`);
    }
  };
  const { byField, summary } = problemsByField(errors);
  return (
    <form onSubmit={(event) => void submit(event)} noValidate data-step="consent">
      <h2 class="govuk-heading-m">Record consent</h2>
      <ErrorSummary problems={summary} idPrefix="consent" />
      <Select id="consent-status" label="Consent" value={status} onChange={setStatus} options={['SOUGHT', 'GIVEN', 'REFUSED', 'DISPENSED_WITH'].map((s) => ({ value: s, label: words(s) }))} error={byField.status} />
      <Select id="consent-reason" label="Lawful reason (only when dispensing with consent)" value={reason} onChange={setReason} options={[{ value: '', label: 'None' }, ...['RISK_OF_SIGNIFICANT_HARM', 'UNREASONABLE_DELAY', 'LOSS_OF_EVIDENCE'].map((r) => ({ value: r, label: words(r) }))]} error={byField.reason} />
      <TextArea id="consent-note" label="Note" value={note} onInput={setNote} error={byField.note} />
      <button type="submit" class="govuk-button govuk-button--secondary">Record consent</button>
    </form>
  );
}

function EpisodePart(props: { caseId: string }) {
  const { answer } = useAnswer<{ episode: Episode }>(EPISODE, { caseId: props.caseId }, props.caseId);
  if (!answer) return <Loading what="the episode" />;
  const episode = answer.data?.episode;
  if (!episode) return <Refusal errors={answer.errors} what="the episode's details" />;
  return (
    <>
      <h2 class="govuk-heading-m">The episode</h2>
      <dl class="govuk-summary-list">
        <Row label="Referred" value={episode.referralDate} />
        <Row label="Pathway" value={words(episode.pathway)} />
        <Row label="Level" value={words(episode.level)} />
        <Row label="Primary need" value={episode.primaryNeed} />
        <Row label="Assessment due" value={episode.assessmentDueDate ?? 'No assessment due'} />
      </dl>
      <p class="govuk-body">The episode's steps (strategy discussion, section 47, assessment, plans) are taken through the API for now; see the README.</p>
    </>
  );
}

function FamilyHistoryPart(props: { history: FamilyHistory | null; errors: ApiError[] }) {
  const history = props.history;
  return (
    <>
      <h2 class="govuk-heading-m">Family history</h2>
      {!history ? (props.errors.length > 0 ? <Refusal errors={props.errors} what="the family history" /> : <p class="govuk-body">Not known yet.</p>) : (
        <>
          <p class="govuk-body">
            {history.previousContactsWithin12Months === null ? 'The rules have not counted earlier contacts yet.' : `${history.previousContactsWithin12Months} earlier contact${history.previousContactsWithin12Months === 1 ? '' : 's'} in the 12 months before this one.`}
            {history.reReferral && ' A referral now would be a re-referral.'}
          </p>
          {history.earlierContacts.length > 0 && (
            <ul class="govuk-list govuk-list--bullet">
              {history.earlierContacts.map((c) => <li key={c.id}><Link to={`/cases/${c.id}`}>{c.reference}</Link>, {formatDateTime(c.receivedAt)}: {words(c.status)}{c.decision ? `, decided ${words(c.decision.pathway).toLowerCase()}${c.decision.overridden ? ' (overriding the rules)' : ''}` : ''}</li>)}
            </ul>
          )}
          {history.episodes === null ? <p class="govuk-body">Earlier episodes and plans are not shown: your roles do not read episodes.</p> : (
            <>
              {history.episodes.length > 0 && <ul class="govuk-list govuk-list--bullet">{history.episodes.map((e) => <li key={e.id}>Episode {e.reference}, referred {e.referralDate}: {words(e.stage)}{e.closureReason ? `, closed (${e.closureReason})` : ''}</li>)}</ul>}
              {(history.plans ?? []).length > 0 && <ul class="govuk-list govuk-list--bullet">{history.plans!.map((p) => <li key={p.id}>{p.kind} plan from {p.startDate}{p.endDate ? ` to ${p.endDate}` : ' (open)'} ({p.episodeReference})</li>)}</ul>}
              {history.episodes.length === 0 && (history.plans ?? []).length === 0 && history.earlierContacts.length === 0 && <p class="govuk-body">No earlier contacts, referrals or plans.</p>}
            </>
          )}
        </>
      )}
    </>
  );
}
