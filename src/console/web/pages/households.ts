/** Households and other groups: search (by name only with registry:pii), and one group with its members past and present. */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { href, navigate, Route } from '../router';
import { dateTime, orDash, Pager, Section, useQuery, View } from '../ui';

const SEARCH = `query Households($filter: GroupFilter, $after: String) {
  groups(filter: $filter, first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id kind name size povertyScore address { areaCode } head { id name { given family } } } }
  }
}`;

interface GroupRow {
  id: string;
  kind: string;
  name: string;
  size: number;
  povertyScore: number | null;
  address: { areaCode: string | null } | null;
  head: { id: string; name: { given: string; family: string } } | null;
}

interface Found {
  groups: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: GroupRow }[] };
}

const FIELDS = ['name', 'kind', 'area', 'minSize'] as const;
type Field = (typeof FIELDS)[number];

function filterOf(params: URLSearchParams): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  if (params.get('name')) filter.namePrefix = params.get('name');
  if (params.get('kind')) filter.kind = params.get('kind');
  if (params.get('area')) filter.areaCode = params.get('area');
  const minSize = Number(params.get('minSize'));
  if (Number.isInteger(minSize) && minSize > 0) filter.minSize = minSize;
  return filter;
}

export function Households(props: { route: Route; pii: boolean }): View {
  const params = props.route.params;
  const [form, setForm] = useState<Record<Field, string>>(() => Object.fromEntries(FIELDS.map((f) => [f, params.get(f) ?? ''])) as Record<Field, string>);
  const searched = FIELDS.some((f) => params.get(f));
  const after = params.get('after');
  const loaded = useQuery<Found>(searched ? SEARCH : null, { filter: filterOf(params), after });
  const set = (field: Field) => (event: Event) => setForm({ ...form, [field]: (event.target as HTMLInputElement).value });
  const submit = (event: Event) => {
    event.preventDefault();
    navigate('households', form);
  };
  return html`<section>
      <h2>Households and groups</h2>
      <form class="search" onSubmit=${submit} role="search">
        <label>Name starts with
          <input name="name" value=${form.name} onInput=${set('name')} disabled=${!props.pii} title=${props.pii ? '' : 'A search by name needs registry:pii'} />
        </label>
        <label>Kind
          <select name="kind" value=${form.kind} onChange=${set('kind')}>
            <option value="">any</option>${['household', 'family', 'other'].map((k) => html`<option value=${k}>${k}</option>`)}
          </select>
        </label>
        <label>Area code <input name="area" value=${form.area} onInput=${set('area')} size="10" /></label>
        <label>At least (members) <input name="minSize" type="number" min="1" value=${form.minSize} onInput=${set('minSize')} size="4" /></label>
        <button type="submit">Search</button>
      </form>
    </section>
    ${searched
      ? html`<${Section} title="Results" loaded=${loaded} testid="group-results">
          ${(found: Found) => html`
            <p>${found.groups.totalCount} found</p>
            <table class="rows">
              <thead><tr><th>Name</th><th>Kind</th><th>Members</th><th>Head</th><th>Poverty score</th><th>Area</th></tr></thead>
              <tbody>
                ${found.groups.edges.map(
                  ({ node: g }) => html`<tr key=${g.id}>
                    <td><a href=${href(`households/${encodeURIComponent(g.id)}`)}>${g.name}</a></td><td>${g.kind}</td><td class="num">${g.size}</td>
                    <td>${g.head ? html`<a href=${href(`people/${encodeURIComponent(g.head.id)}`)}>${g.head.name.given} ${g.head.name.family}</a>` : '—'}</td>
                    <td class="num">${orDash(g.povertyScore)}</td><td>${orDash(g.address?.areaCode)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
            <${Pager}
              hasNext=${found.groups.pageInfo.hasNextPage}
              onNext=${() => navigate('households', { ...Object.fromEntries(params), after: found.groups.pageInfo.endCursor })}
              onFirst=${after ? () => navigate('households', { ...Object.fromEntries(params), after: null }) : undefined}
            />
          `}
        <//>`
      : null}`;
}

const GROUP = `query Household($id: ID!) {
  group(id: $id) {
    id kind name size povertyScore povertyScoreType registrationDate lastUpdated version
    address { line locality areaCode regionCode country }
    identifiers { type value issuer verificationStatus }
    members(includeEnded: true) { id role startDate endDate current individual { id name { given family } sex age status } }
  }
}`;

interface Group {
  id: string;
  kind: string;
  name: string;
  size: number;
  povertyScore: number | null;
  povertyScoreType: string | null;
  registrationDate: string;
  lastUpdated: string;
  version: number;
  address: { line: string | null; locality: string | null; areaCode: string | null; regionCode: string | null; country: string | null } | null;
  identifiers: { type: string; value: string; issuer: string | null; verificationStatus: string }[];
  members: { id: string; role: string; startDate: string; endDate: string | null; current: boolean; individual: { id: string; name: { given: string; family: string }; sex: string; age: number | null; status: string } }[];
}

export function HouseholdPage(props: { id: string; pii: boolean }): View {
  const loaded = useQuery<{ group: Group | null }>(GROUP, { id: props.id });
  return html`<${Section} title="Household" loaded=${loaded} testid="household-page">
    ${({ group: g }: { group: Group | null }) =>
      g
        ? html`
            ${props.pii ? null : html`<p class="note">Personal data is masked: this token lacks registry:pii.</p>`}
            <dl class="record">
              <dt>Name</dt><dd data-testid="group-name">${g.name}</dd>
              <dt>Kind</dt><dd>${g.kind}</dd>
              <dt>Members</dt><dd>${g.size}</dd>
              <dt>Poverty score</dt><dd>${orDash(g.povertyScore)}${g.povertyScoreType ? ` (${g.povertyScoreType})` : ''}</dd>
              <dt>Address</dt><dd>${g.address ? [g.address.line, g.address.locality, g.address.areaCode, g.address.regionCode, g.address.country].filter(Boolean).join(', ') : '—'}</dd>
              <dt>Identifiers</dt><dd>${g.identifiers.map((i) => `${i.type} ${i.value}`).join(', ') || '—'}</dd>
              <dt>Registered</dt><dd>${dateTime(g.registrationDate)}</dd>
              <dt>Last updated</dt><dd>${dateTime(g.lastUpdated)} (version ${g.version})</dd>
            </dl>
            <h3>Members</h3>
            <table class="rows" data-testid="members">
              <thead><tr><th>Member</th><th>Role</th><th>Sex</th><th>Age</th><th>Status</th><th>Since</th><th>Until</th></tr></thead>
              <tbody>
                ${g.members.map(
                  (m) => html`<tr key=${m.id} class=${m.current ? '' : 'ended'}>
                    <td><a href=${href(`people/${encodeURIComponent(m.individual.id)}`)}>${m.individual.name.given} ${m.individual.name.family}</a></td>
                    <td>${m.role}</td><td>${m.individual.sex}</td><td class="num">${orDash(m.individual.age)}</td><td>${m.individual.status}</td>
                    <td>${m.startDate}</td><td>${orDash(m.endDate)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          `
        : html`<p>No group with this id.</p>`}
  <//>`;
}
