/**
 * One individual: the record, households and their members, identifiers, civil events; then, each
 * in its own request so that one slow or failing source leaves the rest on screen, partner data,
 * indicators, programme eligibility and, with audit:read, the partners the individual's data went to.
 * Masked fields come masked from the gateway.
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { request } from '../api';
import { href } from '../router';
import { dateTime, Failure, orDash, Pager, Section, useQuery, View } from '../ui';

const PERSON = `query Person($id: ID!) {
  individual(id: $id) {
    id name { given middle family } sex birthDate age deathDate status registrationDate lastUpdated version
    addresses { line locality areaCode regionCode country }
    phoneNumbers emails
    identifiers { type value issuer verificationStatus }
    civilEvents { kind registrationType registrationNumber date dataSource via }
    groups {
      id role startDate
      group {
        id kind name size povertyScore povertyScoreType
        address { locality areaCode }
        identifiers { type value }
        members { id role startDate individual { id name { given family } sex age status } }
      }
    }
  }
}`;

interface Name {
  given: string;
  family: string;
  middle?: string | null;
}

interface Person {
  id: string;
  name: Name;
  sex: string;
  birthDate: string | null;
  age: number | null;
  deathDate: string | null;
  status: string;
  registrationDate: string;
  lastUpdated: string;
  version: number;
  addresses: { line: string | null; locality: string | null; areaCode: string | null; regionCode: string | null; country: string | null }[];
  phoneNumbers: string[];
  emails: string[];
  identifiers: { type: string; value: string; issuer: string | null; verificationStatus: string }[];
  civilEvents: { kind: string; registrationType: string; registrationNumber: string; date: string; dataSource: string; via: string }[];
  groups: {
    id: string;
    role: string;
    startDate: string;
    group: {
      id: string;
      kind: string;
      name: string;
      size: number;
      povertyScore: number | null;
      povertyScoreType: string | null;
      address: { locality: string | null; areaCode: string | null } | null;
      identifiers: { type: string; value: string }[];
      members: { id: string; role: string; startDate: string; individual: { id: string; name: Name; sex: string; age: number | null; status: string } }[];
    };
  }[];
}

const fullName = (n: Name) => [n.given, n.middle, n.family].filter(Boolean).join(' ');

function Record(props: { p: Person }): View {
  const p = props.p;
  const address = p.addresses[0];
  return html`<dl class="record">
    <dt>Name</dt><dd data-testid="person-name">${fullName(p.name)}</dd>
    <dt>Sex</dt><dd>${p.sex}</dd>
    <dt>Birth date</dt><dd data-testid="person-birth-date">${orDash(p.birthDate)}</dd>
    <dt>Age</dt><dd>${orDash(p.age)}</dd>
    <dt>Status</dt><dd>${p.status}${p.deathDate ? ` (died ${p.deathDate})` : ''}</dd>
    <dt>Address</dt><dd>${address ? [address.line, address.locality, address.areaCode, address.regionCode, address.country].filter(Boolean).join(', ') : '—'}</dd>
    <dt>Phone</dt><dd>${p.phoneNumbers.join(', ') || '—'}</dd>
    <dt>E-mail</dt><dd>${p.emails.join(', ') || '—'}</dd>
    <dt>Registered</dt><dd>${dateTime(p.registrationDate)}</dd>
    <dt>Last updated</dt><dd>${dateTime(p.lastUpdated)} (version ${p.version})</dd>
  </dl>`;
}

function Households(props: { p: Person }): View {
  if (props.p.groups.length === 0) return html`<p>Not a member of any group.</p>`;
  return html`${props.p.groups.map(
    (m) => html`<article key=${m.id} class="household" data-testid="household">
      <h3><a href=${href(`households/${encodeURIComponent(m.group.id)}`)}>${m.group.name}</a> <span class="muted">(${m.group.kind}, ${m.group.size} members; ${m.role} since ${m.startDate})</span></h3>
      <p class="muted">
        ${m.group.address ? [m.group.address.locality, m.group.address.areaCode].filter(Boolean).join(', ') : ''}
        ${m.group.povertyScore !== null ? ` · poverty score ${m.group.povertyScore}${m.group.povertyScoreType ? ` (${m.group.povertyScoreType})` : ''}` : ''}
        ${m.group.identifiers.map((i) => ` · ${i.type} ${i.value}`)}
      </p>
      <table class="rows">
        <thead><tr><th>Member</th><th>Role</th><th>Sex</th><th>Age</th><th>Status</th></tr></thead>
        <tbody>
          ${m.group.members.map(
            (member) => html`<tr>
              <td>${member.individual.id === props.p.id ? html`<strong>${fullName(member.individual.name)}</strong>` : html`<a href=${href(`people/${encodeURIComponent(member.individual.id)}`)}>${fullName(member.individual.name)}</a>`}</td>
              <td>${member.role}</td><td>${member.individual.sex}</td><td class="num">${orDash(member.individual.age)}</td><td>${member.individual.status}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </article>`,
  )}`;
}

function Identifiers(props: { p: Person }): View {
  return html`<table class="rows" data-testid="identifiers">
      <thead><tr><th>Type</th><th>Value</th><th>Issuer</th><th>Verification</th></tr></thead>
      <tbody>${props.p.identifiers.map((i) => html`<tr><td>${i.type}</td><td>${i.value}</td><td>${orDash(i.issuer)}</td><td>${i.verificationStatus}</td></tr>`)}</tbody>
    </table>
    ${props.p.civilEvents.length
      ? html`<h3>Civil events</h3>
          <table class="rows">
            <thead><tr><th>Event</th><th>Date</th><th>Registration</th><th>Source</th></tr></thead>
            <tbody>${props.p.civilEvents.map((e) => html`<tr><td>${e.kind}</td><td>${e.date}</td><td>${e.registrationType} ${e.registrationNumber}</td><td>${e.dataSource} (${e.via})</td></tr>`)}</tbody>
          </table>`
      : null}`;
}

const PARTNER_DATA = `query PartnerData($id: ID!) {
  individual(id: $id) {
    enrollmentCheck { result programmes { name identifier status enrolledOn } checkedAt dataSource }
    disabilityStatus { registered status severity impairments { type level cause } assessedAt checkedAt dataSource }
    crvsRecord { events { type registrationNumber date registeredOn } checkedAt dataSource }
  }
}`;

interface PartnerData {
  individual: {
    enrollmentCheck: { result: string; programmes: { name: string; identifier: string | null; status: string | null; enrolledOn: string | null }[]; checkedAt: string; dataSource: string } | null;
    disabilityStatus: { registered: boolean; status: string | null; severity: string | null; impairments: { type: string; level: string | null }[]; checkedAt: string; dataSource: string } | null;
    crvsRecord: { events: { type: string; registrationNumber: string | null; date: string | null }[]; checkedAt: string; dataSource: string } | null;
  } | null;
}

/** Each partner answers (or fails) on its own field: the errors are matched to the field by path. */
function usePartial<T>(text: string, variables: Record<string, unknown>, enabled: boolean) {
  const [state, setState] = useState<{ data?: T | null; errors?: { message: string; path?: (string | number)[] }[]; error?: Error }>({});
  const key = JSON.stringify(variables);
  useEffect(() => {
    if (!enabled) return;
    let current = true;
    setState({});
    request<T>(text, variables).then(
      (answer) => current && setState({ data: answer.data, errors: answer.errors }),
      (error: Error) => current && setState({ error }),
    );
    return () => {
      current = false;
    };
  }, [key, enabled]);
  return state;
}

function PartnerDataSection(props: { id: string; pii: boolean }): View {
  const state = usePartial<PartnerData>(PARTNER_DATA, { id: props.id }, props.pii);
  if (!props.pii) return html`<section><h2>Partner data</h2><p class="note">Partner data (enrolments, disability, civil records) is personal data: it needs registry:pii.</p></section>`;
  const failed = (field: string) => state.errors?.find((e) => e.path?.includes(field));
  const item = (title: string, field: keyof NonNullable<PartnerData['individual']>, show: (value: never) => View) => {
    const value = state.data?.individual?.[field];
    const error = failed(field);
    return html`<div class="partner-item"><h3>${title}</h3>${error ? html`<p class="failure">Not available: ${error.message}</p>` : value ? show(value as never) : html`<p class="muted">No answer.</p>`}</div>`;
  };
  return html`<section data-testid="partner-data">
    <h2>Partner data</h2>
    ${state.error ? html`<${Failure} error=${state.error} />` : !state.data && !state.errors ? html`<p class="loading">Asking the partner registries…</p>` : html`<div class="partner-items">
      ${item('Beneficiary registry (IBR)', 'enrollmentCheck', (v: NonNullable<NonNullable<PartnerData['individual']>['enrollmentCheck']>) => html`<p>${v.result}${v.programmes.map((p) => ` · ${p.name}${p.status ? ` (${p.status})` : ''}`)}</p><p class="muted">${v.dataSource}, ${dateTime(v.checkedAt)}</p>`)}
      ${item('Disability registry (DR)', 'disabilityStatus', (v: NonNullable<NonNullable<PartnerData['individual']>['disabilityStatus']>) => html`<p>${v.registered ? 'Registered' : 'Not registered'}${v.severity ? `, ${v.severity}` : ''}${v.impairments.map((i) => ` · ${i.type}${i.level ? ` (${i.level})` : ''}`)}</p><p class="muted">${v.dataSource}, ${dateTime(v.checkedAt)}</p>`)}
      ${item('Civil registry (CRVS)', 'crvsRecord', (v: NonNullable<NonNullable<PartnerData['individual']>['crvsRecord']>) => html`<p>${v.events.length ? v.events.map((e) => `${e.type} ${orDash(e.date)} (${orDash(e.registrationNumber)}) `) : 'No events registered.'}</p><p class="muted">${v.dataSource}, ${dateTime(v.checkedAt)}</p>`)}
    </div>`}
  </section>`;
}

const INDICATORS = `query Indicators($id: ID!) {
  individual(id: $id) { indicators { name argument value outcome error computedAt stale source } }
}`;

interface Indicators {
  individual: { indicators: { name: string; argument: string | null; value: string | null; outcome: string; error: string | null; computedAt: string; stale: boolean; source: string }[] } | null;
}

function IndicatorsSection(props: { id: string }): View {
  const loaded = useQuery<Indicators>(INDICATORS, { id: props.id });
  return html`<${Section} title="Indicators" loaded=${loaded} testid="indicators">
    ${(data: Indicators) => html`<table class="rows">
      <thead><tr><th>Indicator</th><th>Value</th><th>Outcome</th><th>Source</th><th>Computed</th></tr></thead>
      <tbody>${(data.individual?.indicators ?? []).map(
        (i) => html`<tr>
          <td>${i.name}${i.argument ? `(${i.argument})` : ''}</td><td>${orDash(i.value)}</td>
          <td>${i.outcome}${i.error ? `: ${i.error}` : ''}</td><td>${i.source}</td><td>${dateTime(i.computedAt)}${i.stale ? ' (stale)' : ''}</td>
        </tr>`,
      )}</tbody>
    </table>`}
  <//>`;
}

const PROGRAMS = `query Programs { programs { id name rule version } }`;
const EXPLAIN = `query Explain($programId: ID!, $individualId: ID!) {
  explainEligibility(programId: $programId, individualId: $individualId) { result ruleVersion indicators { indicator value decisive stale } }
}`;

interface Explanation {
  explainEligibility: { result: string; ruleVersion: number; indicators: { indicator: string; value: string | null; decisive: boolean; stale: boolean }[] };
}

function Eligibility(props: { programId: string; individualId: string }): View {
  const loaded = useQuery<Explanation>(EXPLAIN, { programId: props.programId, individualId: props.individualId });
  if (loaded.loading) return html`<span class="loading">Evaluating…</span>`;
  if (loaded.error) return html`<${Failure} error=${loaded.error} />`;
  const e = loaded.data?.explainEligibility;
  if (!e) return html`—`;
  return html`<strong class=${`result ${e.result}`}>${e.result.replace('_', ' ')}</strong>
    <span class="muted"> (rule version ${e.ruleVersion}; ${e.indicators.filter((i) => i.decisive).map((i) => `${i.indicator} = ${orDash(i.value)}${i.stale ? ' (stale)' : ''}`).join(', ') || 'no decisive value'})</span>`;
}

function EligibilitySection(props: { id: string }): View {
  const loaded = useQuery<{ programs: { id: string; name: string; rule: string; version: number }[] }>(PROGRAMS);
  return html`<${Section} title="Programme eligibility" loaded=${loaded} testid="eligibility">
    ${(data: { programs: { id: string; name: string; rule: string }[] }) =>
      data.programs.length === 0
        ? html`<p class="muted">No programme defined.</p>`
        : html`<table class="rows">
            <thead><tr><th>Programme</th><th>Rule</th><th>Result</th></tr></thead>
            <tbody>${data.programs.map((p) => html`<tr><td>${p.name}</td><td><code>${p.rule}</code></td><td><${Eligibility} programId=${p.id} individualId=${props.id} /></td></tr>`)}</tbody>
          </table>`}
  <//>`;
}

/** Disclosures shown per page; one more is asked for, to know whether a next page exists. */
const DISCLOSURES_PAGE = 20;
const DISCLOSURES = `query Disclosures($id: ID!, $after: ID) {
  individual(id: $id) { disclosures(first: ${DISCLOSURES_PAGE + 1}, after: $after) { id partner action fields { field level } purpose { consent authorize } transactionId at } }
}`;

interface Disclosures {
  individual: {
    disclosures: { id: string; partner: string; action: string; fields: { field: string; level: string }[]; purpose: { consent: string | null; authorize: string | null } | null; transactionId: string; at: string }[];
  } | null;
}

/** Who received the individual's data (the disclosure audit, audit:read), newest first. */
function DisclosuresSection(props: { id: string }): View {
  const [after, setAfter] = useState<string | null>(null);
  const loaded = useQuery<Disclosures>(DISCLOSURES, { id: props.id, after });
  return html`<${Section} title="Shared with partners" loaded=${loaded} testid="disclosures">
    ${(data: Disclosures) => {
      const all = data.individual?.disclosures ?? [];
      const shown = all.slice(0, DISCLOSURES_PAGE);
      if (shown.length === 0) return html`<p class="muted">Not sent to any partner.</p>`;
      return html`<table class="rows">
          <thead><tr><th>When</th><th>Partner</th><th>Message</th><th>Fields</th><th>Purpose</th><th>Transaction</th></tr></thead>
          <tbody>${shown.map(
            (d) => html`<tr key=${d.id}>
              <td>${dateTime(d.at)}</td><td>${d.partner}</td><td>${d.action}</td>
              <td>${d.fields.map((f) => (f.level === 'masked' ? `${f.field} (masked)` : f.field)).join(', ')}</td>
              <td>${orDash([d.purpose?.consent && `consent ${d.purpose.consent}`, d.purpose?.authorize && `authority ${d.purpose.authorize}`].filter(Boolean).join(', '))}</td>
              <td><code>${d.transactionId}</code></td>
            </tr>`,
          )}</tbody>
        </table>
        <${Pager} hasNext=${all.length > DISCLOSURES_PAGE} onNext=${() => setAfter(shown[shown.length - 1]!.id)} onFirst=${after ? () => setAfter(null) : undefined} />`;
    }}
  <//>`;
}

export function PersonPage(props: { id: string; pii: boolean; canAudit: boolean }): View {
  const loaded = useQuery<{ individual: Person | null }>(PERSON, { id: props.id });
  return html`<${Section} title="Individual" loaded=${loaded} testid="person">
    ${(data: { individual: Person | null }) =>
      data.individual
        ? html`
            ${props.pii ? null : html`<p class="note" data-testid="masked-note">Personal data is masked: this token lacks registry:pii.</p>`}
            <${Record} p=${data.individual} />
            <section><h2>Households</h2><${Households} p=${data.individual} /></section>
            <section><h2>Identifiers</h2><${Identifiers} p=${data.individual} /></section>
            <${PartnerDataSection} id=${props.id} pii=${props.pii} />
            <${IndicatorsSection} id=${props.id} />
            <${EligibilitySection} id=${props.id} />
            ${props.canAudit ? html`<${DisclosuresSection} key=${props.id} id=${props.id} />` : null}
          `
        : html`<p>No individual with this id.</p>`}
  <//>`;
}
