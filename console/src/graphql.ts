import { forgetToken, storedSession } from './session';

/** One field-level problem with a step's input, as the API reports it (`extensions.problems`). */
export interface Problem {
  field: string;
  message: string;
}

/** A GraphQL error as the API sends it: a sentence, a code and, for BAD_USER_INPUT, the problems by field. */
export interface ApiError {
  message: string;
  path?: (string | number)[];
  code: string;
  problems: Problem[];
}

export interface Answer<T> {
  data: T | null;
  errors: ApiError[];
}

interface RawError {
  message?: string;
  path?: (string | number)[];
  extensions?: { code?: string; problems?: Problem[] };
}

/** Sends one operation to the API with the signed-in user's token; network failures come back as an error, not a throw. */
export async function request<T>(query: string, variables: Record<string, unknown> = {}): Promise<Answer<T>> {
  const session = storedSession();
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(session ? { authorization: `Bearer ${session.token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    return { data: null, errors: [{ message: 'The API could not be reached. Check your connection and try again.', code: 'NETWORK', problems: [] }] };
  }
  const body = (await response.json().catch(() => ({}))) as { data?: T | null; errors?: RawError[] };
  const errors = (body.errors ?? []).map(toApiError);
  if (errors.some((e) => e.code === 'UNAUTHENTICATED')) forgetToken();
  if (!body.data && errors.length === 0) errors.push({ message: `The API answered ${response.status} with nothing to show.`, code: 'HTTP', problems: [] });
  return { data: body.data ?? null, errors };
}

function toApiError(error: RawError): ApiError {
  return {
    message: error.message ?? 'Something went wrong.',
    ...(error.path ? { path: error.path } : {}),
    code: error.extensions?.code ?? 'INTERNAL_SERVER_ERROR',
    problems: error.extensions?.problems ?? [],
  };
}

/** The errors an answer carries for a field (by the start of its path), e.g. `errorsAt(answer, 'contact', 'familyHistory')`. */
export function errorsAt(errors: ApiError[], ...path: (string | number)[]): ApiError[] {
  return errors.filter((e) => e.path && path.every((part, i) => e.path![i] === part));
}

/**
 * A subscription over server-sent events (yoga's, sent as a POST with the token, which EventSource cannot do):
 * calls `onOpen` once the server has accepted it (and after each reconnection), then `onData` for each event, until
 * the returned function is called. Reconnects after a dropped stream; a refusal ends it with `onError`.
 */
export function subscribe<T>(query: string, variables: Record<string, unknown>, onData: (data: T) => void, onError: (error: ApiError) => void, onOpen: () => void = () => {}): () => void {
  const controller = new AbortController();
  let stopped = false;
  const run = async () => {
    while (!stopped) {
      try {
        const session = storedSession();
        const response = await fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(session ? { authorization: `Bearer ${session.token}` } : {}) },
          body: JSON.stringify({ query, variables }),
          signal: controller.signal,
        });
        if (!(response.headers.get('content-type') ?? '').includes('text/event-stream') || !response.body) {
          const body = (await response.json().catch(() => ({}))) as { errors?: RawError[] };
          onError(toApiError(body.errors?.[0] ?? { message: `Live updates were refused (${response.status}).` }));
          return;
        }
        onOpen();
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n');
            if (!/^event: next$/m.test(block) || !data) continue;
            const body = JSON.parse(data) as { data?: T; errors?: RawError[] };
            if (body.errors?.[0]) onError(toApiError(body.errors[0]));
            else if (body.data) onData(body.data);
          }
        }
      } catch {
        if (stopped) return;
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  };
  void run();
  return () => {
    stopped = true;
    controller.abort();
  };
}
