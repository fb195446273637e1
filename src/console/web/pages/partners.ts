/**
 * Partners and their DCI traffic (partners:admin): async transactions with their callback delivery
 * (attempts, last failure), and subscriptions with their notifications, filtered by partner and state;
 * and the registries the gateway calls (data sources), each disabled or enabled again from here. With
 * audit:read too, the configuration audit of both: who changed what, when, and whether it took.
 */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { query } from '../api';
import { navigate, Route } from '../router';
import { dateTime, Failure, orDash, Pager, Section, useQuery, View } from '../ui';

const PARTNERS = `query Partners { partners { senderId displayName status signingProfile callbackBase scopes rateLimitPerMinute createdAt } }`;

interface Partner {
  senderId: string;
  displayName: string;
  status: string;
  signingProfile: string;
  callbackBase: string;
  scopes: string[];
  rateLimitPerMinute: number;
  createdAt: string;
}

const DATA_SOURCES = `query DataSources { dataSources { name kind status baseUrl auth { type } signingProfile timeoutMs rateLimitPerMinute maxItemsPerEnvelope breakerCoolDownSeconds circuit updatedAt } }`;
const SET_DATA_SOURCE_STATUS = `mutation SetDataSourceStatus($name: String!, $status: DataSourceStatus!) { updateDataSource(name: $name, input: { status: $status }) { name status } }`;
const SET_PARTNER_STATUS = `mutation SetPartnerStatus($senderId: String!, $status: PartnerStatus!) { updatePartner(senderId: $senderId, input: { status: $status }) { senderId status } }`;

interface DataSource {
  name: string;
  kind: string;
  status: 'active' | 'disabled';
  baseUrl: string;
  auth: { type: string };
  signingProfile: string;
  timeoutMs: number;
  rateLimitPerMinute: number;
  maxItemsPerEnvelope: number;
  breakerCoolDownSeconds: number;
  circuit: string | null;
  updatedAt: string;
}

/**
 * Disables what is active or enables what is disabled: a partner (its token requests and messages
 * refused) or a data source (calls through it fail with UNAVAILABLE).
 */
function StatusToggle(props: { name: string; status: string; mutation: string; variables: Record<string, string>; onChanged(): void }): View {
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const next = props.status === 'active' ? 'disabled' : 'active';
  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      await query(props.mutation, { ...props.variables, status: next });
      props.onChanged();
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(false);
    }
  };
  return html`<button type="button" disabled=${busy} onClick=${toggle} aria-label=${`${next === 'active' ? 'Enable' : 'Disable'} ${props.name}`}>${next === 'active' ? 'Enable' : 'Disable'}</button>
    ${error ? html`<${Failure} error=${error} />` : null}`;
}

const TRANSACTIONS = `query Transactions($senderId: String, $action: DciTransactionAction, $deliveryState: DciDeliveryState, $after: String) {
  dciTransactions(senderId: $senderId, action: $action, deliveryState: $deliveryState, first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      correlationId senderId transactionId action status referenceIds createdAt updatedAt
      delivery { state attempts lastError deliveredAt }
      items { requested succeeded rejected }
    } }
  }
}`;

interface Transactions {
  dciTransactions: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: {
      node: {
        correlationId: string;
        senderId: string;
        transactionId: string;
        action: string;
        status: string;
        createdAt: string;
        delivery: { state: string; attempts: number; lastError: string | null; deliveredAt: string | null };
        items: { requested: number; succeeded: number; rejected: number };
      };
    }[];
  };
}

const SUBSCRIPTIONS = `query Subscriptions($senderId: String, $status: DciSubscriptionStatus, $after: String) {
  dciSubscriptions(senderId: $senderId, status: $status, first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { code senderId eventType filterAttributes status createdAt updatedAt notifications { delivered receipted outstanding pending failed } } }
  }
}`;

interface Subscriptions {
  dciSubscriptions: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { node: { code: string; senderId: string; eventType: string; filterAttributes: string[]; status: string; createdAt: string; updatedAt: string; notifications: { delivered: number; receipted: number; outstanding: number; pending: number; failed: number } } }[];
  };
}

/** Changes shown per page; one more is asked for, to know whether a next page exists. */
const CHANGES_PAGE = 20;
const CHANGES = `query ConfigChanges($name: String, $after: ID) { configChanges(filter: { name: $name }, first: ${CHANGES_PAGE + 1}, after: $after) { id target name action fields by via outcome refusal at } }`;

interface ConfigChange {
  id: string;
  target: string;
  name: string;
  action: string;
  fields: string[];
  by: string;
  via: string;
  outcome: string;
  refusal: string | null;
  at: string;
}

function Choice(props: { label: string; name: string; value: string; options: string[]; params: URLSearchParams }): View {
  const change = (event: Event) => {
    const next = Object.fromEntries(props.params);
    delete next.txAfter;
    delete next.subAfter;
    delete next.changesAfter;
    navigate('partners', { ...next, [props.name]: (event.target as HTMLSelectElement).value });
  };
  return html`<label>${props.label}
    <select name=${props.name} value=${props.value} onChange=${change}>
      <option value="">any</option>
      ${props.options.map((o) => html`<option value=${o}>${o}</option>`)}
    </select>
  </label>`;
}

export function Partners(props: { route: Route; canAudit: boolean }): View {
  const params = props.route.params;
  const p = (name: string) => params.get(name) || null;
  const partners = useQuery<{ partners: Partner[] }>(PARTNERS);
  const dataSources = useQuery<{ dataSources: DataSource[] }>(DATA_SOURCES);
  const transactions = useQuery<Transactions>(TRANSACTIONS, { senderId: p('sender'), action: p('action'), deliveryState: p('delivery'), after: p('txAfter') });
  const subscriptions = useQuery<Subscriptions>(SUBSCRIPTIONS, { senderId: p('sender'), status: p('subStatus'), after: p('subAfter') });
  const changes = useQuery<{ configChanges: ConfigChange[] }>(props.canAudit ? CHANGES : null, { name: p('sender'), after: p('changesAfter') });
  const senders = partners.data?.partners.map((partner) => partner.senderId) ?? [];
  // A change made here shows at once in the audit below.
  const changed = (loaded: { reload(): void }) => () => (loaded.reload(), changes.reload());
  const page = (name: string, cursor: string | null) => () => navigate('partners', { ...Object.fromEntries(params), [name]: cursor });
  return html`
    <${Section} title="Partners" loaded=${partners} testid="partners">
      ${(data: { partners: Partner[] }) => html`<table class="rows">
        <thead><tr><th>Sender id</th><th>Name</th><th>Status</th><th>Signing</th><th>Scopes</th><th>Rate / min</th><th>Callback base</th><th></th></tr></thead>
        <tbody>${data.partners.map(
          (partner) => html`<tr key=${partner.senderId} data-sender=${partner.senderId} class=${partner.status === 'disabled' ? 'failed' : ''}>
            <td><a href=${`#/partners?sender=${encodeURIComponent(partner.senderId)}`}>${partner.senderId}</a></td><td>${partner.displayName}</td><td data-testid="partner-status">${partner.status}</td>
            <td>${partner.signingProfile}</td><td>${partner.scopes.join(' ')}</td><td class="num">${partner.rateLimitPerMinute}</td><td>${partner.callbackBase}</td>
            <td><${StatusToggle} name=${partner.senderId} status=${partner.status} mutation=${SET_PARTNER_STATUS} variables=${{ senderId: partner.senderId }} onChanged=${changed(partners)} /></td>
          </tr>`,
        )}</tbody>
      </table>`}
    <//>
    <${Section} title="Registries the gateway calls (data sources)" loaded=${dataSources} testid="data-sources">
      ${(data: { dataSources: DataSource[] }) => html`<table class="rows">
        <thead><tr><th>Name</th><th>Kind</th><th>Status</th><th>Base URL</th><th>Auth</th><th>Signing</th><th>Timeout ms</th><th>Rate / min</th><th>Items / envelope</th><th>Breaker cool-down s</th><th>Circuit here</th><th>Changed</th><th></th></tr></thead>
        <tbody>${data.dataSources.map(
          (source) => html`<tr key=${source.name} data-name=${source.name} class=${source.status === 'disabled' ? 'failed' : ''}>
            <td>${source.name}</td><td>${source.kind}</td><td data-testid="data-source-status">${source.status}</td><td>${source.baseUrl}</td><td>${source.auth.type}</td><td>${source.signingProfile}</td>
            <td class="num">${source.timeoutMs}</td><td class="num">${source.rateLimitPerMinute}</td><td class="num">${source.maxItemsPerEnvelope}</td><td class="num">${source.breakerCoolDownSeconds}</td><td data-testid="data-source-circuit">${orDash(source.circuit?.replace('_', '-'))}</td>
            <td>${dateTime(source.updatedAt)}</td>
            <td><${StatusToggle} name=${source.name} status=${source.status} mutation=${SET_DATA_SOURCE_STATUS} variables=${{ name: source.name }} onChanged=${changed(dataSources)} /></td>
          </tr>`,
        )}</tbody>
      </table>`}
    <//>
    ${props.canAudit
      ? html`<${Section} title=${p('sender') ? `Configuration changes of ${p('sender')}` : 'Configuration changes (partners and data sources)'} loaded=${changes} testid="config-changes">
          ${(data: { configChanges: ConfigChange[] }) => {
            const shown = data.configChanges.slice(0, CHANGES_PAGE);
            return html`<table class="rows">
              <thead><tr><th>When</th><th>What</th><th>Name</th><th>Change</th><th>Fields</th><th>By</th><th>Through</th><th>Outcome</th></tr></thead>
              <tbody>${shown.map(
                (c) => html`<tr key=${c.id} class=${c.outcome === 'applied' ? '' : 'failed'}>
                  <td>${dateTime(c.at)}</td><td>${c.target.replace('_', ' ')}</td><td>${c.name}</td><td>${c.action.replace('_', ' ')}</td><td>${orDash(c.fields.join(', '))}</td>
                  <td>${c.by}</td><td>${c.via}</td><td data-testid="change-outcome">${c.outcome}${c.refusal ? ` (${c.refusal})` : ''}</td>
                </tr>`,
              )}</tbody>
            </table>
            <${Pager} hasNext=${data.configChanges.length > CHANGES_PAGE} onNext=${page('changesAfter', shown[shown.length - 1]?.id ?? null)} onFirst=${p('changesAfter') ? page('changesAfter', null) : undefined} />`;
          }}
        <//>`
      : null}
    <form class="search filters" onSubmit=${(e: Event) => e.preventDefault()}>
      <${Choice} label="Partner" name="sender" value=${p('sender') ?? ''} options=${senders} params=${params} />
      <${Choice} label="Action" name="action" value=${p('action') ?? ''} options=${['search', 'subscribe', 'unsubscribe', 'txn_status', 'receipt']} params=${params} />
      <${Choice} label="Callback" name="delivery" value=${p('delivery') ?? ''} options=${['pending', 'delivered', 'failed']} params=${params} />
      <${Choice} label="Subscription" name="subStatus" value=${p('subStatus') ?? ''} options=${['active', 'unsubscribed']} params=${params} />
    </form>
    <${Section} title="Async transactions and their callbacks" loaded=${transactions} testid="transactions">
      ${(data: Transactions) => html`<p>${data.dciTransactions.totalCount} transactions</p>
        <table class="rows">
          <thead><tr><th>Received</th><th>Partner</th><th>Action</th><th>Status</th><th>Items (ok / rejected)</th><th>Callback</th><th>Attempts</th><th>Last failure</th><th>Correlation id</th></tr></thead>
          <tbody>${data.dciTransactions.edges.map(
            ({ node: t }) => html`<tr class=${t.delivery.state === 'failed' ? 'failed' : ''}>
              <td>${dateTime(t.createdAt)}</td><td>${t.senderId}</td><td>${t.action}</td><td>${t.status}</td>
              <td class="num">${t.items.requested} (${t.items.succeeded} / ${t.items.rejected})</td>
              <td>${t.delivery.state}${t.delivery.deliveredAt ? ` ${dateTime(t.delivery.deliveredAt)}` : ''}</td><td class="num">${t.delivery.attempts}</td>
              <td>${orDash(t.delivery.lastError)}</td><td><code>${t.correlationId}</code></td>
            </tr>`,
          )}</tbody>
        </table>
        <${Pager} hasNext=${data.dciTransactions.pageInfo.hasNextPage} onNext=${page('txAfter', data.dciTransactions.pageInfo.endCursor)} onFirst=${p('txAfter') ? page('txAfter', null) : undefined} />`}
    <//>
    <${Section} title="Subscriptions and their notifications" loaded=${subscriptions} testid="subscriptions">
      ${(data: Subscriptions) => html`<p>${data.dciSubscriptions.totalCount} subscriptions</p>
        <table class="rows">
          <thead><tr><th>Since</th><th>Partner</th><th>Event</th><th>Filter on</th><th>Status</th><th>Delivered</th><th>Receipted</th><th>Outstanding</th><th>Pending</th><th>Failed</th><th>Code</th></tr></thead>
          <tbody>${data.dciSubscriptions.edges.map(
            ({ node: s }) => html`<tr>
              <td>${dateTime(s.createdAt)}</td><td>${s.senderId}</td><td>${s.eventType}</td><td>${s.filterAttributes.join(', ') || '—'}</td><td>${s.status}</td>
              <td class="num">${s.notifications.delivered}</td><td class="num">${s.notifications.receipted}</td><td class="num">${s.notifications.outstanding}</td>
              <td class="num">${s.notifications.pending}</td><td class="num">${s.notifications.failed}</td><td><code>${s.code}</code></td>
            </tr>`,
          )}</tbody>
        </table>
        <${Pager} hasNext=${data.dciSubscriptions.pageInfo.hasNextPage} onNext=${page('subAfter', data.dciSubscriptions.pageInfo.endCursor)} onFirst=${p('subAfter') ? page('subAfter', null) : undefined} />`}
    <//>`;
}
