/**
 * Registrant search. A search by name needs registry:pii (it would reveal names otherwise); the
 * other filters work with registry:read alone.
 */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { href, navigate, Route } from '../router';
import { orDash, Pager, Section, useQuery, View } from '../ui';

const SEARCH = `query People($filter: IndividualFilter, $after: String) {
  individuals(filter: $filter, first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id name { given family } sex age status addresses { areaCode } } }
  }
}`;

interface PersonRow {
  id: string;
  name: { given: string; family: string };
  sex: string;
  age: number | null;
  status: string;
  addresses: { areaCode: string | null }[];
}

interface Found {
  individuals: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: PersonRow }[] };
}

const FIELDS = ['name', 'sex', 'status', 'area', 'idType', 'idValue'] as const;
type Field = (typeof FIELDS)[number];

function filterOf(params: URLSearchParams): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  const name = params.get('name');
  if (name) filter.namePrefix = name;
  if (params.get('sex')) filter.sex = params.get('sex');
  if (params.get('status')) filter.status = params.get('status');
  if (params.get('area')) filter.areaCode = params.get('area');
  const idType = params.get('idType');
  const idValue = params.get('idValue');
  if (idType && idValue) filter.identifier = { type: idType, value: idValue };
  else if (idType) filter.identifierType = idType;
  return filter;
}

export function People(props: { route: Route; pii: boolean }): View {
  const params = props.route.params;
  const [form, setForm] = useState<Record<Field, string>>(() => Object.fromEntries(FIELDS.map((f) => [f, params.get(f) ?? ''])) as Record<Field, string>);
  const searched = FIELDS.some((f) => params.get(f));
  const after = params.get('after');
  const loaded = useQuery<Found>(searched ? SEARCH : null, { filter: filterOf(params), after });
  const set = (field: Field) => (event: Event) => setForm({ ...form, [field]: (event.target as HTMLInputElement).value });
  const submit = (event: Event) => {
    event.preventDefault();
    navigate('people', form);
  };
  return html`<section>
      <h2>Registrants</h2>
      <form class="search" onSubmit=${submit} role="search">
        <label>Name starts with
          <input name="name" value=${form.name} onInput=${set('name')} disabled=${!props.pii}
            title=${props.pii ? '' : 'A search by name needs registry:pii'} />
        </label>
        <label>Sex
          <select name="sex" value=${form.sex} onChange=${set('sex')}>
            <option value="">any</option>${['female', 'male', 'other', 'unknown'].map((s) => html`<option value=${s}>${s}</option>`)}
          </select>
        </label>
        <label>Status
          <select name="status" value=${form.status} onChange=${set('status')}>
            <option value="">any</option>${['active', 'deceased', 'inactive'].map((s) => html`<option value=${s}>${s}</option>`)}
          </select>
        </label>
        <label>Area code <input name="area" value=${form.area} onInput=${set('area')} size="10" /></label>
        <label>Identifier type <input name="idType" value=${form.idType} onInput=${set('idType')} size="10" placeholder="UIN" /></label>
        <label>Identifier value <input name="idValue" value=${form.idValue} onInput=${set('idValue')} size="14" /></label>
        <button type="submit">Search</button>
      </form>
      ${props.pii ? null : html`<p class="note">Searching by name needs a token with registry:pii.</p>`}
    </section>
    ${searched
      ? html`<${Section} title="Results" loaded=${loaded} testid="results">
          ${(found: Found) => html`
            <p>${found.individuals.totalCount} found</p>
            <table class="rows">
              <thead><tr><th>Name</th><th>Sex</th><th>Age</th><th>Status</th><th>Area</th></tr></thead>
              <tbody>
                ${found.individuals.edges.map(
                  ({ node: p }) => html`<tr>
                    <td><a href=${href(`people/${encodeURIComponent(p.id)}`)}>${p.name.given} ${p.name.family}</a></td>
                    <td>${p.sex}</td><td class="num">${orDash(p.age)}</td><td>${p.status}</td><td>${orDash(p.addresses[0]?.areaCode)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
            <${Pager}
              hasNext=${found.individuals.pageInfo.hasNextPage}
              onNext=${() => navigate('people', { ...Object.fromEntries(params), after: found.individuals.pageInfo.endCursor })}
              onFirst=${after ? () => navigate('people', { ...Object.fromEntries(params), after: null }) : undefined}
            />
          `}
        <//>`
      : null}`;
}
