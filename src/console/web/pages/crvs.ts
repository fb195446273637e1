/**
 * The CRVS flows: the review queue (resolved here, with registry:write), and birth or death imports:
 * the latest listed, one started here or picked from the list followed while it runs. The import
 * followed is in the URL, so a reload keeps it.
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { GraphQLFailure, query } from '../api';
import { href, navigate, Route } from '../router';
import { dateTime, Failure, orDash, Pager, Progress, Section, useFollowed, useQuery, View } from '../ui';

const REVIEW = `query Review($status: CrvsReviewStatus, $after: String) {
  crvsReviewItems(status: $status, first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id kind reason detail status dataSource record createdAt resolution resolvedBy resolvedAt individuals { id name { given family } } } }
  }
}`;

const RESOLVE = `mutation Resolve($id: ID!, $resolution: String!) { resolveCrvsReviewItem(id: $id, resolution: $resolution) { id status } }`;

interface ReviewItem {
  id: string;
  kind: string;
  reason: string;
  detail: string;
  status: string;
  dataSource: string;
  record: string | null;
  createdAt: string;
  resolution: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  individuals: { id: string; name: { given: string; family: string } }[];
}

interface Review {
  crvsReviewItems: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: ReviewItem }[] };
}

function Resolve(props: { item: ReviewItem; onResolved(): void }): View {
  const [resolution, setResolution] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await query(RESOLVE, { id: props.item.id, resolution: resolution.trim() });
      props.onResolved();
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="resolve" onSubmit=${submit}>
    <label>Resolution <input name="resolution" required value=${resolution} onInput=${(e: Event) => setResolution((e.target as HTMLInputElement).value)} /></label>
    <button type="submit" disabled=${busy || !resolution.trim()}>Resolve</button>
    ${error ? html`<${Failure} error=${error} />` : null}
  </form>`;
}

function ReviewQueue(props: { params: URLSearchParams; canWrite: boolean }): View {
  const status = props.params.get('status') ?? 'open';
  const after = props.params.get('after');
  const loaded = useQuery<Review>(REVIEW, { status, after });
  const go = (changes: Record<string, string | null>) => navigate('crvs', { ...Object.fromEntries(props.params), ...changes });
  return html`<${Section} title="Review queue" loaded=${loaded} testid="review">
    ${(data: Review) => html`
      <div class="tabs" role="tablist">
        ${['open', 'resolved'].map((s) => html`<a role="tab" aria-selected=${s === status} href=${href('crvs', { status: s })}>${s}</a>`)}
      </div>
      <p>${data.crvsReviewItems.totalCount} ${status} items</p>
      ${data.crvsReviewItems.edges.map(
        ({ node: item }) => html`<article key=${item.id} class="review-item" data-testid="review-item" data-id=${item.id}>
          <h3>${item.kind}: ${item.reason} <span class="muted">${item.dataSource}, ${dateTime(item.createdAt)}</span></h3>
          <p>${item.detail}</p>
          ${item.individuals.length
            ? html`<p>Concerns ${item.individuals.map((i) => html`<a href=${href(`people/${encodeURIComponent(i.id)}`)}>${i.name.given} ${i.name.family}</a> `)}</p>`
            : null}
          ${item.record ? html`<details><summary>Record as received</summary><pre>${item.record}</pre></details>` : null}
          ${item.status === 'resolved'
            ? html`<p class="resolved">Resolved by ${orDash(item.resolvedBy)} on ${dateTime(item.resolvedAt)}: ${item.resolution}</p>`
            : props.canWrite
              ? html`<${Resolve} item=${item} onResolved=${loaded.reload} />`
              : html`<p class="note">Resolving needs registry:write.</p>`}
        </article>`,
      )}
      <${Pager} hasNext=${data.crvsReviewItems.pageInfo.hasNextPage} onNext=${() => go({ after: data.crvsReviewItems.pageInfo.endCursor })} onFirst=${after ? () => go({ after: null }) : undefined} />
    `}
  <//>`;
}

const IMPORT_FIELDS = 'id kind dataSource from to area state pagesDone totalPages totalCount counts { created updated unchanged review } lastError startedAt updatedAt finishedAt';
const IMPORT = `query Import($id: ID!) { crvsImport(id: $id) { ${IMPORT_FIELDS} } }`;
const START = {
  births: `mutation StartBirths($from: Date!, $to: Date!, $area: String) { started: startCrvsImport(from: $from, to: $to, area: $area) { id } }`,
  deaths: `mutation StartDeaths($from: Date!, $to: Date!, $area: String) { started: startCrvsDeathImport(from: $from, to: $to, area: $area) { id } }`,
};

interface CrvsImport {
  id: string;
  kind: string;
  dataSource: string;
  from: string;
  to: string;
  area: string | null;
  state: string;
  pagesDone: number;
  totalPages: number | null;
  totalCount: number | null;
  counts: { created: number; updated: number; unchanged: number; review: number };
  lastError: string | null;
  startedAt: string;
  finishedAt: string | null;
}

const IMPORTS = `query Imports($offset: Int) {
  crvsImports(first: 10, offset: $offset) { totalCount pageInfo { hasNextPage } edges { node { ${IMPORT_FIELDS} } } }
}`;

interface ImportPage {
  crvsImports: { totalCount: number; pageInfo: { hasNextPage: boolean }; edges: { node: CrvsImport }[] };
}

const PAGE_OF_IMPORTS = 10;

function ImportList(props: { params: URLSearchParams; followed: string | null }): View {
  const offset = Number(props.params.get('importsFrom')) || 0;
  const loaded = useQuery<ImportPage>(IMPORTS, { offset });
  const go = (changes: Record<string, string | null>) => navigate('crvs', { ...Object.fromEntries(props.params), ...changes });
  return html`<${Section} title="Latest imports" loaded=${loaded} testid="import-list">
    ${(data: ImportPage) => html`<table class="rows">
        <thead><tr><th>Started</th><th>Import</th><th>Range</th><th>State</th><th>Pages</th><th>Created / updated / to review</th></tr></thead>
        <tbody>${data.crvsImports.edges.map(
          ({ node: i }) => html`<tr aria-current=${i.id === props.followed ? 'true' : undefined}>
            <td><a href=${href('crvs', { ...Object.fromEntries(props.params), import: i.id })}>${dateTime(i.startedAt)}</a></td>
            <td>${i.kind} from ${i.dataSource}</td><td>${i.from} to ${i.to}${i.area ? `, ${i.area}` : ''}</td><td>${i.state}</td>
            <td><${Progress} done=${i.pagesDone} total=${i.totalPages} label="pages imported" /></td>
            <td class="num">${i.counts.created} / ${i.counts.updated} / ${i.counts.review}</td>
          </tr>`,
        )}</tbody>
      </table>
      <${Pager}
        hasNext=${data.crvsImports.pageInfo.hasNextPage}
        onNext=${() => go({ importsFrom: String(offset + PAGE_OF_IMPORTS) })}
        onFirst=${offset ? () => go({ importsFrom: null }) : undefined}
      />`}
  <//>`;
}

function ImportStatus(props: { id: string; onSettled(): void }): View {
  const { job, error } = useFollowed<CrvsImport>(IMPORT, props.id, (data) => data.crvsImport);
  const settled = job && (job.state === 'done' || job.state === 'failed');
  // The list shows the import's final figures once it ends.
  useEffect(() => {
    if (settled) props.onSettled();
  }, [settled]);
  if (error) return html`<${Failure} error=${error} />`;
  if (job === undefined) return html`<p class="loading">Loading…</p>`;
  if (job === null) return html`<p>No import with this id.</p>`;
  return html`<dl class="record" data-testid="crvs-import">
    <dt>Import</dt><dd><code>${job.id}</code>: ${job.kind} from ${job.dataSource}, ${job.from} to ${job.to}${job.area ? `, area ${job.area}` : ''}</dd>
    <dt>State</dt><dd data-testid="import-state">${job.state}</dd>
    <dt>Pages</dt><dd><${Progress} done=${job.pagesDone} total=${job.totalPages} label="pages imported" /></dd>
    <dt>Records</dt><dd>${orDash(job.totalCount)}: ${job.counts.created} created, ${job.counts.updated} updated, ${job.counts.unchanged} unchanged, ${job.counts.review} to review</dd>
    <dt>Started</dt><dd>${dateTime(job.startedAt)}${job.finishedAt ? `, finished ${dateTime(job.finishedAt)}` : ''}</dd>
    ${job.lastError ? html`<dt>Last error</dt><dd class="failure">${job.lastError}</dd>` : null}
  </dl>`;
}

function Imports(props: { params: URLSearchParams; canWrite: boolean }): View {
  const followed = props.params.get('import');
  const [form, setForm] = useState({ kind: 'births' as keyof typeof START, from: '', to: new Date().toISOString().slice(0, 10), area: '' });
  const [error, setError] = useState<Error | null>(null);
  const [listRound, setListRound] = useState(0);
  const follow = (id: string) => navigate('crvs', { ...Object.fromEntries(props.params), import: id });
  const start = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const data = await query<{ started: { id: string } }>(START[form.kind], { from: form.from, to: form.to, area: form.area || null });
      follow(data.started.id);
    } catch (failure) {
      setError(failure instanceof GraphQLFailure ? failure : new Error(String(failure)));
    }
  };
  const set = (field: keyof typeof form) => (event: Event) => setForm({ ...form, [field]: (event.target as HTMLInputElement).value });
  return html`<section data-testid="imports">
    <h2>Imports</h2>
    ${props.canWrite
      ? html`<form class="search" onSubmit=${start}>
          <label>Import <select value=${form.kind} onChange=${set('kind')}><option value="births">births</option><option value="deaths">deaths</option></select></label>
          <label>From <input type="date" required value=${form.from} onInput=${set('from')} /></label>
          <label>To <input type="date" required value=${form.to} onInput=${set('to')} /></label>
          <label>Area <input value=${form.area} onInput=${set('area')} size="10" /></label>
          <button type="submit">Start import</button>
        </form>`
      : html`<p class="note">Starting an import needs registry:write.</p>`}
    ${error ? html`<${Failure} error=${error} />` : null}
    ${followed ? html`<${ImportStatus} id=${followed} onSettled=${() => setListRound((r) => r + 1)} />` : null}
    <${ImportList} key=${`${followed}:${listRound}`} params=${props.params} followed=${followed} />
  </section>`;
}

export function Crvs(props: { route: Route; canWrite: boolean }): View {
  return html`<${ReviewQueue} params=${props.route.params} canWrite=${props.canWrite} /><${Imports} params=${props.route.params} canWrite=${props.canWrite} />`;
}
