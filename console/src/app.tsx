import { useEffect } from 'preact/hooks';
import { Link } from './components';
import { BASE, match, navigate, useLocation } from './router';
import { SCREENS } from './screens/index';
import { SignIn } from './screens/sign-in';
import { forgetToken, storedSession, type Session } from './session';

/** The console: GOV.UK header with who is signed in, then the screen the route names (sign-in without a token). */
export function App() {
  const location = useLocation();
  const session = storedSession();
  const found = SCREENS.map((screen) => ({ screen, params: match(screen.path, location.path) })).find((m) => m.params !== null);
  const signingIn = location.path === '/sign-in' || !session;
  const title = signingIn ? 'Sign in' : found ? found.screen.title(found.params!) : 'Page not found';
  useEffect(() => {
    document.title = `${title} – Front Door console`;
    document.getElementById('main-content')?.focus();
  }, [title, location.path]);
  return (
    <>
      <a href="#main-content" class="govuk-skip-link">Skip to main content</a>
      <Header session={signingIn ? null : session} path={location.path} />
      <div class="govuk-width-container">
        <main class="govuk-main-wrapper" id="main-content" tabIndex={-1}>
          {signingIn ? <SignIn /> : found ? found.screen.render(found.params!, session) : <NotFound />}
        </main>
      </div>
      <footer class="govuk-footer">
        <div class="govuk-width-container">
          <p class="govuk-body-s">Front Door console. Every screen uses the same GraphQL API and access rules as any other client: <a class="govuk-footer__link" href="/graphql">/graphql</a>.</p>
        </div>
      </footer>
    </>
  );
}

function Header(props: { session: Session | null; path: string }) {
  const session = props.session;
  const item = (to: string, label: string) => {
    const active = props.path === to;
    return (
      <li class={`govuk-service-navigation__item${active ? ' govuk-service-navigation__item--active' : ''}`}>
        <a class="govuk-service-navigation__link" href={BASE + to} aria-current={active ? 'page' : undefined} onClick={(event) => { event.preventDefault(); navigate(to); }}>
          {active ? <strong class="govuk-service-navigation__active-fallback">{label}</strong> : label}
        </a>
      </li>
    );
  };
  return (
    <>
      {/* A council's tool, not a GOV.UK service: the header carries the product name, not the GOV.UK logo. */}
      <header class="govuk-header">
        <div class="govuk-header__container govuk-width-container">
          <div class="govuk-header__logo">
            <Link to="/" class="govuk-header__homepage-link"><span class="govuk-header__product-name">Front Door</span></Link>
          </div>
        </div>
      </header>
      <section aria-label="Service information" class="govuk-service-navigation">
        <div class="govuk-width-container">
          <div class="govuk-service-navigation__container">
            <span class="govuk-service-navigation__service-name">
              <Link to="/" class="govuk-service-navigation__link">Children's front door console</Link>
            </span>
            {session && (
              <nav aria-label="Menu" class="govuk-service-navigation__wrapper">
                <ul class="govuk-service-navigation__list" id="navigation">
                  {item('/', 'Home')}
                  {item('/queues/out-of-hours', 'Out-of-hours queue')}
                </ul>
              </nav>
            )}
          </div>
        </div>
      </section>
      {session && (
        <div class="govuk-width-container front-door-who" data-who>
          <p class="govuk-body-s govuk-!-margin-bottom-1">
            Signed in as <strong>{session.userId}</strong> · roles: {session.roles.join(', ') || 'none'} · boroughs: {session.boroughs.join(', ') || 'none'}
            {session.expiresAt && <> · token expires {session.expiresAt.toLocaleString('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', day: 'numeric', month: 'short' })}</>}
          </p>
          <button
            type="button"
            class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0"
            onClick={() => {
              forgetToken();
              navigate('/sign-in');
            }}
          >
            Sign out
          </button>
        </div>
      )}
    </>
  );
}

function NotFound() {
  return (
    <>
      <h1 class="govuk-heading-l">Page not found</h1>
      <p class="govuk-body">There is no console page at this address. <Link to="/">Go to the start</Link>.</p>
    </>
  );
}
