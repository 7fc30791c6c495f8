import { Loading, Refusal, RagTag, formatDateTime, useAnswer, words } from '../components';
import { BOROUGH_CONFIG, type BoroughConfig } from '../operations';

const DAYS = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** A borough's settings, read-only: clocks, escalation ladders, required agencies, office hours, with the notes. */
export function BoroughSettings(props: { borough: string }) {
  const { answer } = useAnswer<{ boroughConfig: BoroughConfig }>(BOROUGH_CONFIG, { borough: props.borough }, props.borough);
  if (!answer) return <Loading what="the borough's settings" />;
  const config = answer.data?.boroughConfig;
  if (!config) return (<><h1 class="govuk-heading-l">Borough settings: {props.borough}</h1><Refusal errors={answer.errors} what={`the settings of ${props.borough}`} /></>);
  const c = config.clocks;
  return (
    <>
      <span class="govuk-caption-l">Borough settings (read-only)</span>
      <h1 class="govuk-heading-l">{config.name}</h1>
      {config.notes.length > 0 && <div class="govuk-inset-text"><ul class="govuk-list">{config.notes.map((note) => <li key={note}>{note}</li>)}</ul></div>}
      <h2 class="govuk-heading-m">Office hours</h2>
      <p class="govuk-body">{config.officeHours.days.map((d) => DAYS[d]).join(', ')}, {config.officeHours.start} to {config.officeHours.end} ({config.timeZone}). Out of hours: {config.outOfHoursService} (escalations to {config.outOfHoursEscalationContact}). Bank holidays: {config.bankHolidays}. Working days are counted {words(config.workingDayCounting).toLowerCase()}.</p>
      <h2 class="govuk-heading-m">Clocks</h2>
      <dl class="govuk-summary-list">
        {([
          ['Screening', `${c.screeningWorkingDays} working days`], ['Assessment', `${c.assessmentWorkingDays} working days`], ['Initial child protection conference', `${c.icpcWorkingDays} working days from the ${words(c.icpcAnchor).toLowerCase()}`],
          ['Core group', `${c.coreGroupWorkingDays} working days`], ['CP visits', `every ${c.cpVisitWorkingDays} working days`], ['CIN visits', `every ${c.cinVisitWorkingDays} working days`],
          ['First review', `${c.firstReviewMonths} months`], ['Later reviews', `${c.subsequentReviewMonths} months`], ['CIN reviews', `${c.cinReviewMonths} months`],
        ] as const).map(([label, value]) => <div class="govuk-summary-list__row" key={label}><dt class="govuk-summary-list__key">{label}</dt><dd class="govuk-summary-list__value">{value}</dd></div>)}
        {c.mash.map((m) => <div class="govuk-summary-list__row" key={m.rag}><dt class="govuk-summary-list__key">MASH enquiry, <RagTag rag={m.rag} /></dt><dd class="govuk-summary-list__value">{m.clock.hours} hours ({words(m.clock.counting).toLowerCase()})</dd></div>)}
      </dl>
      <h2 class="govuk-heading-m">Escalation ladders</h2>
      <table class="govuk-table">
        <thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Stage</th><th scope="col" class="govuk-table__header">Rungs</th><th scope="col" class="govuk-table__header">Counting</th></tr></thead>
        <tbody class="govuk-table__body">
          {config.escalation.map((ladder) => (
            <tr class="govuk-table__row" key={ladder.stage}>
              <td class="govuk-table__cell">{words(ladder.stage)}</td>
              <td class="govuk-table__cell">{ladder.rungs.map((r) => `${r.afterHours} h: ${words(r.notify).toLowerCase()}`).join('; ')}</td>
              <td class="govuk-table__cell">{words(ladder.counting).toLowerCase()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2 class="govuk-heading-m">Required agencies at a strategy discussion</h2>
      <p class="govuk-body">{config.strategyDiscussionAgencies.map(words).join(', ')}</p>
      <h2 class="govuk-heading-m">Teams and caseloads</h2>
      <p class="govuk-body">Caseload limit: {config.caseloadLimit} open cases per worker.</p>
      <ul class="govuk-list govuk-list--bullet">{config.teams.map((t) => <li key={t.id}>{t.name} ({words(t.kind).toLowerCase()})</li>)}</ul>
      <h2 class="govuk-heading-m">Versions of these settings</h2>
      <ul class="govuk-list govuk-list--bullet">{config.settingsVersions.map((v) => <li key={v.version}>Version {v.version}, from {formatDateTime(v.effectiveFrom)}, by {v.author}: {v.reason}</li>)}</ul>
    </>
  );
}
