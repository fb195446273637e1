/** Indicator refresh runs: started here (registry:write) and followed with their progress. */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { query } from '../api';
import { navigate, Route } from '../router';
import { dateTime, Failure, FollowById, Progress, useFollowed, View } from '../ui';

const REFRESH = `query Refresh($id: ID!) {
  indicatorRefresh(id: $id) { id indicators area state total done failed lastError createdAt updatedAt finishedAt }
}`;
const START = `mutation StartRefresh($names: [String!], $filter: IndicatorPopulationFilter) { refreshIndicators(names: $names, filter: $filter) { id } }`;

interface IndicatorRefresh {
  id: string;
  indicators: string[];
  area: string | null;
  state: string;
  total: number;
  done: number;
  failed: number;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
}

function RefreshStatus(props: { id: string }): View {
  const { job, error } = useFollowed<IndicatorRefresh>(REFRESH, props.id, (data) => data.indicatorRefresh);
  if (error) return html`<${Failure} error=${error} />`;
  if (job === undefined) return html`<p class="loading">Loading…</p>`;
  if (job === null) return html`<p>No refresh run with this id.</p>`;
  return html`<dl class="record" data-testid="indicator-refresh">
    <dt>Run</dt><dd><code>${job.id}</code></dd>
    <dt>Indicators</dt><dd>${job.indicators.join(', ')}${job.area ? `, area ${job.area}` : ''}</dd>
    <dt>State</dt><dd data-testid="refresh-state">${job.state}</dd>
    <dt>People</dt><dd><${Progress} done=${job.done} total=${job.total} label="people recomputed" />${job.failed ? `, ${job.failed} with a value that could not be obtained` : ''}</dd>
    <dt>Started</dt><dd>${dateTime(job.createdAt)}${job.finishedAt ? `, finished ${dateTime(job.finishedAt)}` : ''}</dd>
    ${job.lastError ? html`<dt>Last error</dt><dd class="failure">${job.lastError}</dd>` : null}
  </dl>`;
}

export function Refresh(props: { route: Route; canWrite: boolean }): View {
  const followed = props.route.params.get('run');
  const [form, setForm] = useState({ names: '', area: '' });
  const [error, setError] = useState<Error | null>(null);
  const follow = (id: string) => navigate('refresh', { run: id });
  const start = async (event: Event) => {
    event.preventDefault();
    setError(null);
    const names = form.names.split(/[\s,]+/).filter(Boolean);
    try {
      const data = await query<{ refreshIndicators: { id: string } }>(START, { names: names.length ? names : null, filter: form.area ? { area: form.area } : null });
      follow(data.refreshIndicators.id);
    } catch (failure) {
      setError(failure as Error);
    }
  };
  const set = (field: keyof typeof form) => (event: Event) => setForm({ ...form, [field]: (event.target as HTMLInputElement).value });
  return html`<section>
    <h2>Indicator refresh</h2>
    ${props.canWrite
      ? html`<form class="search" onSubmit=${start}>
          <label>Indicators <input value=${form.names} onInput=${set('names')} size="30" placeholder="all you may read" /></label>
          <label>Area <input value=${form.area} onInput=${set('area')} size="10" /></label>
          <button type="submit">Start refresh</button>
        </form>`
      : html`<p class="note">Starting a refresh needs registry:write.</p>`}
    ${error ? html`<${Failure} error=${error} />` : null}
    <${FollowById} label="Run id" id=${followed} onFollow=${follow} />
    ${followed ? html`<${RefreshStatus} id=${followed} />` : null}
  </section>`;
}
