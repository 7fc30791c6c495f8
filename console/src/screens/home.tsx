import { Link } from '../components';
import type { Session } from '../session';

const QUEUE_ROLES = ['practitioner', 'manager', 'mash_worker', 'out_of_hours'];
const OUT_OF_HOURS_ROLES = ['out_of_hours', 'manager'];
const SETTINGS_ROLES = ['administrator', 'auditor'];

/** What the signed-in user can open, and for what is not offered, why (the API still decides every request). */
export function Home(props: { session: Session }) {
  const { roles, boroughs } = props.session;
  const has = (wanted: string[]) => roles.some((role) => wanted.includes(role));
  const because = (wanted: string[]) => `It is for the roles ${wanted.join(', ')}; your token has ${roles.join(', ') || 'no roles'}.`;
  return (
    <>
      <h1 class="govuk-heading-l">Front Door</h1>
      <h2 class="govuk-heading-m">Queues</h2>
      {has(QUEUE_ROLES) ? (
        <ul class="govuk-list">
          {boroughs.map((borough) => <li key={borough}><Link to={`/queues/work/${borough}`}>Work queue: {borough}</Link></li>)}
        </ul>
      ) : (
        <p class="govuk-body" data-missing="work-queue">The work queue is not shown. {because(QUEUE_ROLES)}</p>
      )}
      {has(OUT_OF_HOURS_ROLES) ? (
        <p class="govuk-body"><Link to="/queues/out-of-hours">Out-of-hours queue</Link> (all your boroughs)</p>
      ) : (
        <p class="govuk-body" data-missing="out-of-hours">The out-of-hours queue is not shown. {because(OUT_OF_HOURS_ROLES)}</p>
      )}
      <h2 class="govuk-heading-m">Borough settings</h2>
      {has(SETTINGS_ROLES) ? (
        <ul class="govuk-list">
          {boroughs.map((borough) => <li key={borough}><Link to={`/boroughs/${borough}/settings`}>Settings: {borough}</Link></li>)}
        </ul>
      ) : (
        <p class="govuk-body" data-missing="settings">Borough settings are not shown. {because(SETTINGS_ROLES)}</p>
      )}
      <h2 class="govuk-heading-m">Open a case</h2>
      <form
        class="govuk-!-margin-bottom-6"
        onSubmit={(event) => {
          event.preventDefault();
          const id = new FormData(event.currentTarget).get('case-id');
          if (typeof id === 'string' && id.trim()) window.location.assign(`/console/cases/${encodeURIComponent(id.trim())}`);
        }}
      >
        <div class="govuk-form-group">
          <label class="govuk-label" for="case-id">Case or contact id</label>
          <input class="govuk-input govuk-input--width-30" id="case-id" name="case-id" type="text" />
        </div>
        <button type="submit" class="govuk-button govuk-button--secondary">Open</button>
      </form>
    </>
  );
}
