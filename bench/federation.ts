/**
 * Partner calls behind one GraphQL page of 100 individuals with `disabilityStatus`: the federated
 * loader (every individual of the operation in envelopes of maxItemsPerEnvelope) against the
 * OpenSPP way (one HTTP call per person per endpoint, in turn), both measured in this run against
 * a sandbox DR linked to the bench registry's people, on loopback and with a partner latency.
 */
import { startSandbox, Sandbox } from '../adapters/dci/sandbox';
import type { DciClient } from '../adapters/dci/client/client';
import { clientFor } from '../src/dataSources/byKind';
import { disabilityFlow } from '../src/federation/disability';
import { partnerLoader } from '../src/federation/loaders';
import { createContext } from '../src/graphql/context';
import { createLogger } from '../src/log';
import type { IndividualDoc } from '../src/store/models/individual';
import type { BenchContext } from './context';
import { SEED } from './context';
import { fixed, sandboxDataSource, table } from './support';

const PEOPLE = 100;
const MAX_ITEMS = 50;
/** A partner across a WAN: the sandbox holds each request this long. */
const LATENCY_MS = 50;
const silent = createLogger('silent');
const DATA_SOURCE = 'dr-bench';
const ENDPOINTS = ['/registry/sync/disabled', '/registry/sync/get-disability-details'] as const;
const PAGE = `query ($first: Int!) { individuals(first: $first) { edges { node { id identifiers { type value } disabilityStatus { registered } } } } }`;
const REGISTRY_ONLY = `query ($first: Int!) { individuals(first: $first) { edges { node { identifiers { type value } } } } }`;

interface Measured {
  calls: Record<(typeof ENDPOINTS)[number], number>;
  ms: number;
  registered: boolean[];
}

type Page = { data?: { individuals: { edges: { node: { id: string; identifiers: { type: string; value: string }[]; disabilityStatus: { registered: boolean } } }[] } }; errors?: unknown[] };

async function gql(ctx: BenchContext, token: string, query: string, variables: Record<string, unknown>): Promise<Page> {
  const res = await fetch(`${ctx.gateway.url}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Page;
  if (res.status !== 200 || body.errors) throw new Error(`GraphQL HTTP ${res.status}: ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
  return body;
}

const total = (m: Measured) => m.calls[ENDPOINTS[0]] + m.calls[ENDPOINTS[1]];

/** Runs `work`, counting the DR calls it makes; with `latencyMs`, each of `expectedCalls` requests is held that long. */
async function measure(sandbox: Sandbox, work: () => Promise<boolean[]>, delay?: { latencyMs: number; expectedCalls: number }): Promise<Measured> {
  if (delay) sandbox.faults.delayNext('dr', delay.expectedCalls, delay.latencyMs);
  const count = (path: string) => sandbox.calls('dr').filter((c) => c.path === `/dr${path}`).length;
  const before = ENDPOINTS.map(count);
  const started = performance.now();
  const registered = await work();
  const ms = performance.now() - started;
  const [disabled, details] = ENDPOINTS.map((path, i) => count(path) - before[i]);
  return { calls: { '/registry/sync/disabled': disabled, '/registry/sync/get-disability-details': details }, ms, registered };
}

/** What OpenSPP's DR service does per person: its own request for each thing it wants to know. */
async function perPerson(client: DciClient, uins: string[]): Promise<boolean[]> {
  const registered: boolean[] = [];
  for (const uin of uins) {
    const criteria = { disabled_criteria: { query_type: 'expression', query: { 'personal_details.member_identifier': { eq: uin } } } };
    const verdict = await client.syncCall<{ disabled_response: { disabled_status?: string }[] }>(ENDPOINTS[0], criteria);
    await client.syncCall(ENDPOINTS[1], criteria);
    registered.push(verdict.message.disabled_response[0]?.disabled_status === 'yes');
  }
  return registered;
}

async function onboard(ctx: BenchContext, admin: string, sandbox: Sandbox): Promise<void> {
  const input = sandboxDataSource(sandbox, 'dr', DATA_SOURCE, ctx.gateway.url, MAX_ITEMS);
  await gql(ctx, admin, `mutation ($input: CreateDataSourceInput!) { createDataSource(input: $input) { name } }`, { input });
}

export async function run(ctx: BenchContext): Promise<string> {
  ctx.note(`federation: ${PEOPLE} individuals with disabilityStatus against a sandbox DR`);
  const sandbox = await startSandbox({ seed: SEED, demoIndividuals: ctx.individuals, births: 0, deaths: 0 });
  const admin = await ctx.gateway.tokens.issue({ subject: 'bench', scopes: ['partners:admin'], kind: 'user', ttlSeconds: 600 });
  try {
    await onboard(ctx, admin, sandbox);
    let nodes: Awaited<ReturnType<typeof page>> = [];
    const page = () => gql(ctx, ctx.token, PAGE, { first: PEOPLE }).then((body) => body.data!.individuals.edges.map((e) => e.node));
    const federated = await measure(sandbox, async () => {
      nodes = await page();
      return nodes.map((n) => n.disabilityStatus.registered);
    });
    const stored = await measure(sandbox, async () => (await page()).map((n) => n.disabilityStatus.registered));
    // The same page without the partner field: what the registry listing alone costs on this engine.
    const registryOnly = await measure(sandbox, async () => (await gql(ctx, ctx.token, REGISTRY_ONLY, { first: PEOPLE }), []));
    if (total(registryOnly) !== 0) throw new Error('the reference page called the partner');

    // The partner part alone, in process, next to the per-person calls: same client, same people.
    const { models, dataSources } = ctx.gateway;
    const people = await models.Individual.find({ _id: { $in: nodes.map((n) => n.id) } }).lean<IndividualDoc[]>();
    const byId = new Map(people.map((p) => [`${p._id}`, p]));
    const lookUp = async () => {
      const loader = partnerLoader(createContext({ models, dataSources, log: silent }, undefined), disabilityFlow, { refresh: true });
      return (await loader.loadMany(nodes.map((n) => byId.get(n.id)!))).map((answer) => {
        if (answer instanceof Error) throw answer;
        return answer.registered;
      });
    };
    const uins = nodes.map((n) => n.identifiers.find((i) => i.type === 'UIN')!.value);
    const client = await clientFor(dataSources, models, 'dr');
    const oneByOne = () => perPerson(client, uins);
    ctx.note('federation: the partner part alone, batched and one call per person, on loopback then with latency');
    const lookup = await measure(sandbox, lookUp);
    const baseline = await measure(sandbox, oneByOne);
    const lookupSlow = await measure(sandbox, lookUp, { latencyMs: LATENCY_MS, expectedCalls: total(lookup) });
    const baselineSlow = await measure(sandbox, oneByOne, { latencyMs: LATENCY_MS, expectedCalls: total(baseline) });
    if ([stored, lookup, baseline, lookupSlow, baselineSlow].some((m) => m.registered.join() !== federated.registered.join())) {
      throw new Error('the batched and per-person answers differ');
    }

    const ms = (m?: Measured) => (m ? fixed(m.ms, 0) : '');
    const row = (label: string, m: Measured, slow?: Measured) => [label, m.calls[ENDPOINTS[0]], m.calls[ENDPOINTS[1]], total(m), ms(m), ms(slow)];
    return [
      `## Partner calls: disabilityStatus of ${PEOPLE} individuals in one GraphQL query`,
      '',
      `A sandbox DR over HTTP (signed envelopes, OAuth2), maxItemsPerEnvelope ${MAX_ITEMS}; ${federated.registered.filter(Boolean).length} of the ` +
        `${PEOPLE} people are registered. Both approaches ask both DR endpoints for every person and get the same answers. ` +
        `The last column holds every partner request ${LATENCY_MS} ms, as a registry across a WAN would.`,
      '',
      table(
        ['approach', 'sync/disabled calls', 'get-disability-details calls', 'partner HTTP calls', 'wall ms, loopback', `wall ms, +${LATENCY_MS} ms per call`],
        [
          row('one call per person per endpoint, in turn (OpenSPP), in process', baseline, baselineSlow),
          row('federated lookup (refresh: asks and stores all), in process', lookup, lookupSlow),
          row('GraphQL page, nothing stored', federated),
          row('GraphQL page again, answers stored (fresh for 24 h)', stored),
          row('GraphQL page without disabilityStatus (reference)', registryOnly),
        ],
      ),
      '',
      `**${fixed(total(baseline) / total(federated), 0)}× fewer partner calls** (${total(baseline)} → ${total(federated)}). ` +
        `On loopback the batched lookup is bound by its own database work on the embedded engine, reading the people's identifiers and storing the answers (${ms(lookup)} ms against ${ms(baseline)} ms; in a page that shows identifiers the read is shared); ` +
        `with ${LATENCY_MS} ms per partner call it takes ${ms(lookupSlow)} ms against ${ms(baselineSlow)} ms.`,
    ].join('\n');
  } finally {
    await gql(ctx, admin, `mutation ($name: String!) { disableDataSource(name: $name) { name } }`, { name: DATA_SOURCE }).catch(() => undefined);
    await sandbox.stop();
  }
}
