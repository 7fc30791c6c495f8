import { useState } from 'preact/hooks';
import { ErrorSummary, TextArea, problemsByField } from '../components';
import { request, type ApiError } from '../graphql';
import { ESCALATE_CONTACT } from '../operations';

/** Escalates a contact now with a reason (`escalateContact`); the API's refusal is shown at the reason. */
export function EscalateForm(props: { contactId: string; reference: string; idPrefix: string; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    const answer = await request(ESCALATE_CONTACT, { contactId: props.contactId, reason });
    setBusy(false);
    setErrors(answer.errors);
    if (answer.errors.length === 0) {
      setReason('');
      props.onDone();
    }
  };
  const { byField, summary } = problemsByField(errors);
  // A refusal that names no field (e.g. the role) is still shown at the one field there is.
  const error = byField.reason ?? summary[0]?.message;
  return (
    <form id={`${props.idPrefix}-form`} onSubmit={(event) => void submit(event)} noValidate data-step="escalate">
      <ErrorSummary problems={summary.map((p) => ({ ...p, field: 'reason' }))} idPrefix={props.idPrefix} />
      <TextArea id={`${props.idPrefix}-reason`} label={`Why is ${props.reference} urgent?`} hint="At least 10 characters. The borough's escalation ladder is told now." value={reason} onInput={setReason} error={error} />
      <button type="submit" class="govuk-button govuk-button--warning" disabled={busy}>Escalate now</button>
    </form>
  );
}
