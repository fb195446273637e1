/** Small pieces every page uses: loading a query, showing its failure, tables, dates and paging. */
import { html } from 'htm/preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { GraphQLFailure, query } from './api';

export type View = ReturnType<typeof html>;

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload(): void;
}

/** Runs the query when its key (the query and its variables) changes; a late answer to an older key is dropped. */
export function useQuery<T>(text: string | null, variables: Record<string, unknown> = {}): Loaded<T> {
  const key = text === null ? null : `${text}\n${JSON.stringify(variables)}`;
  const [state, setState] = useState<{ key: string | null; data?: T; error?: Error }>({ key: null });
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (text === null) return;
    let current = true;
    query<T>(text, variables).then(
      (data) => current && setState({ key, data }),
      (error: Error) => current && setState({ key, error }),
    );
    return () => {
      current = false;
    };
  }, [key, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  const fresh = state.key === key;
  return { data: fresh ? state.data : undefined, error: fresh ? state.error : undefined, loading: text !== null && !fresh, reload };
}

const EXPLAINED: Record<string, string> = {
  FORBIDDEN: 'This token lacks a scope this page needs.',
  UNAUTHENTICATED: 'The gateway no longer accepts this token: sign in again.',
  UNAVAILABLE: 'The data source or the database is not answering right now.',
};

export function Failure(props: { error: Error }): View {
  const code = props.error instanceof GraphQLFailure ? props.error.code : undefined;
  return html`<p class="failure" role="alert">${(code && EXPLAINED[code]) ?? ''} <span class="detail">${props.error.message}${code ? ` (${code})` : ''}</span></p>`;
}

/** The usual three states of a section: loading, failed, or its content. */
export function Section<T>(props: { title: string; loaded: Loaded<T>; children: (data: T) => View; testid?: string }): View {
  const { data, error, loading } = props.loaded;
  return html`<section data-testid=${props.testid}>
    <h2>${props.title}</h2>
    ${loading ? html`<p class="loading">Loading…</p>` : error ? html`<${Failure} error=${error} />` : data !== undefined ? props.children(data) : null}
  </section>`;
}

export const dateTime = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
export const orDash = (value: unknown) => (value === null || value === undefined || value === '' ? '—' : String(value));

export function Pager(props: { hasNext: boolean; onNext(): void; onFirst?: () => void }): View {
  return html`<div class="pager">
    ${props.onFirst ? html`<button type="button" onClick=${props.onFirst}>First page</button>` : null}
    ${props.hasNext ? html`<button type="button" onClick=${props.onNext}>Next page</button>` : null}
  </div>`;
}

export function Progress(props: { done: number; total: number | null | undefined; label: string }): View {
  const total = props.total ?? 0;
  return html`<progress max=${total || 1} value=${total ? props.done : 0} aria-label=${props.label}></progress>
    <span class="progress-text">${props.done} / ${props.total ?? '?'}</span>`;
}

/** Re-reads a running job every two seconds until it is done or failed, and stops when the page is left. */
export function useFollowed<T extends { state: string }>(text: string, id: string | null, pick: (data: Record<string, T | null>) => T | null) {
  const [state, setState] = useState<{ job?: T | null; error?: Error }>({});
  useEffect(() => {
    if (!id) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let current = true;
    setState({});
    const read = () =>
      query<Record<string, T | null>>(text, { id }).then(
        (data) => {
          if (!current) return;
          const job = pick(data);
          setState({ job });
          if (job && (job.state === 'pending' || job.state === 'running')) timer = setTimeout(read, 2000);
        },
        (error: Error) => current && setState({ error }),
      );
    void read();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [id]);
  return state;
}

/** Follows a job by its id; the id followed lives in the URL, so a reload or a shared link keeps following it. */
export function FollowById(props: { label: string; id: string | null; onFollow(id: string): void }): View {
  const [id, setId] = useState(props.id ?? '');
  useEffect(() => setId(props.id ?? ''), [props.id]);
  const submit = (event: Event) => {
    event.preventDefault();
    if (id.trim()) props.onFollow(id.trim());
  };
  return html`<form class="search" onSubmit=${submit}>
    <label>${props.label} <input value=${id} onInput=${(e: Event) => setId((e.target as HTMLInputElement).value)} size="26" /></label>
    <button type="submit">Follow</button>
  </form>`;
}
