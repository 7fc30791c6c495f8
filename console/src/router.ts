import { useEffect, useState } from 'preact/hooks';

/** The console's base path (Vite's `base`). Client routes are paths under it. */
export const BASE = '/console';

/** The current route: the path under /console and its query string. */
export interface Location {
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  const path = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) || '/' : '/';
  return { path, query: new URLSearchParams(window.location.search) };
}

/** Goes to a console route (e.g. `/cases/123`) without reloading the page. */
export function navigate(to: string): void {
  window.history.pushState(null, '', BASE + to);
  window.dispatchEvent(new Event('front-door:navigate'));
  window.scrollTo(0, 0);
}

/** The current route, re-rendering on navigation and on the browser's back and forward. */
export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    window.addEventListener('popstate', update);
    window.addEventListener('front-door:navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('front-door:navigate', update);
    };
  }, []);
  return location;
}

/** Matches a pattern like `/cases/:id` against a path; the named parts, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(have[i]!);
    else if (part !== have[i]) return null;
  }
  return params;
}
