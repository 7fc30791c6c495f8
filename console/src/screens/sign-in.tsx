import { useState } from 'preact/hooks';
import { ErrorSummary, TextArea } from '../components';
import { request } from '../graphql';
import { ME, type Me } from '../operations';
import { navigate } from '../router';
import { forgetToken, sessionOf, storeToken } from '../session';

/** Sign in by pasting a bearer token; the API checks it (`me`) before it is kept for this tab. */
export function SignIn() {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    if (!token.trim()) return setError('Paste your token');
    if (!sessionOf(token)) return setError('This is not a token: paste the whole token (three parts separated by dots), with nothing before or after it');
    setBusy(true);
    storeToken(token);
    const answer = await request<{ me: Me }>(ME);
    setBusy(false);
    if (!answer.data) {
      forgetToken();
      return setError(answer.errors[0]?.message ?? 'The API did not accept this token');
    }
    navigate('/');
  };
  return (
    <div class="govuk-grid-row">
      <div class="govuk-grid-column-two-thirds">
        <ErrorSummary problems={error ? [{ field: 'token', message: error }] : []} idPrefix="sign-in" />
        <h1 class="govuk-heading-l">Sign in</h1>
        <p class="govuk-body">Paste the bearer token your council's identity provider gave you. It is kept only in this browser tab and forgotten when you close it or sign out.</p>
        <form onSubmit={(event) => void submit(event)} noValidate>
          <TextArea id="sign-in-token" label="Token" hint="On a development machine: npm run token -- --user alice --roles practitioner --boroughs hf" value={token} onInput={setToken} rows={5} error={error ?? undefined} />
          <button type="submit" class="govuk-button" disabled={busy}>Sign in</button>
        </form>
      </div>
    </div>
  );
}
