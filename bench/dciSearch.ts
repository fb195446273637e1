/**
 * The DCI adapter's cost: a signed `sync/search` (token, schema, signature, replay guard, translation,
 * GraphQL in process, record mapping, signed reply) next to the same query sent straight to /graphql,
 * in the same run, for an identifier lookup and for a 100-record predicate page. Requests go one at a
 * time, alternating sides, so both see the same engine load.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyRing, newCallbackHeader, newHeader, signingProfile, validatorFor } from '../adapters/dci/protocol';
import { searchResponseItem } from '../adapters/dci/server/records';
import { OPERATION_FOR } from '../adapters/dci/server/operations';
import { translateSearch } from '../adapters/dci/server/query';
import { createPartner } from '../src/partners/service';
import { demoUin } from '../src/registry/seed';
import type { BenchContext } from './context';
import { SEED } from './context';
import { fixed, percentile, table } from './support';

const ROUNDS = 6;
const STEP_ITERATIONS = 200;

/** Mean milliseconds of `step` over STEP_ITERATIONS runs, after one untimed run. */
async function meanMs(step: () => unknown): Promise<number> {
  await step();
  const t0 = performance.now();
  for (let i = 0; i < STEP_ITERATIONS; i++) await step();
  return (performance.now() - t0) / STEP_ITERATIONS;
}
const SENDER = 'bench-mis.example.org';

interface Case {
  label: string;
  criteria: Record<string, unknown>;
}

const CASES = (individuals: number): Case[] => [
  {
    label: 'idtype-value (UIN)',
    criteria: { query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(SEED, Math.ceil(individuals / 2)) }, response_entity: 'Member' },
  },
  {
    label: 'predicate, 100-record page',
    criteria: {
      query_type: 'predicate',
      query: [{ seq_num: 1, expression1: { attribute_name: 'age', operator: 'ge', attribute_value: '18' } }],
      response_entity: 'Member',
      pagination: { page_size: 100, page_number: 1 },
    },
  },
];

/** Times one request; `prepare` (the partner's own signing) is not part of the gateway's time. */
async function timed(prepare: () => Promise<RequestInit & { url: string }>): Promise<number> {
  const { url, ...init } = await prepare();
  const t0 = performance.now();
  const res = await fetch(url, init);
  const body = JSON.parse(await res.text()) as { errors?: unknown[]; message?: { search_response?: { status: string }[] } };
  const elapsed = performance.now() - t0;
  // A refusal is fast: only answers that carry results may count.
  const failed = res.status !== 200 || body.errors || (body.message && body.message.search_response?.[0]?.status !== 'succ');
  if (failed) throw new Error(`bench request failed: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return elapsed;
}

/**
 * What the adapter adds to a search, step by step, timed without the engine: the end-to-end figures
 * above are dominated by the engine's collection scans, which hide these costs.
 */
interface Partner {
  key: ReturnType<KeyRing['activeKey']>;
  token: string;
}

async function adapterSteps(ctx: BenchContext, partner: Partner, c: Case, plan: Extract<ReturnType<typeof translateSearch>, { ok: true }>, gqlBody: string) {
  const { gateway, token } = ctx;
  const { key: partnerKey, token: partnerToken } = partner;
  const message = { transaction_id: 'bench-steps', search_request: [{ reference_id: 'r1', timestamp: new Date().toISOString(), search_criteria: c.criteria }] };
  const signed = await signingProfile('default').sign({ header: newHeader({ senderId: SENDER, action: 'search', totalCount: 1 }), message }, partnerKey);
  const body = JSON.parse(signed.rawBody);
  const validate = validatorFor('social', '/registry/sync/search', 'request');
  const resolver = async () => [{ kid: partnerKey.kid, jwk: partnerKey.publicJwk }];
  const gqlStart = performance.now();
  const res = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: gqlBody });
  const data = ((await res.json()) as { data: Record<string, { totalCount: number; edges: { node: object }[] }> }).data;
  const graphqlMs = performance.now() - gqlStart;
  const connection = data[plan.entity === 'group' ? 'groups' : 'individuals'];
  const nodes = connection.edges.map((e) => e.node);
  const item = searchResponseItem('r1', plan.entity, nodes, plan.page, connection.totalCount, new Date());
  const reply = { transaction_id: 'bench-steps', correlation_id: 'c', search_response: [item] };
  const ms = {
    token: await meanMs(() => gateway.tokens.verify(partnerToken)),
    schema: await meanMs(() => validate(body)),
    signature: await meanMs(() => signingProfile('default').verify({ body, rawBody: signed.rawBody, headers: {} }, resolver)),
    translate: await meanMs(() => translateSearch(c.criteria as never, { allowedAttributes: new Set(['UIN', 'age']), maxPageSize: 100, now: new Date() })),
    map: await meanMs(() => searchResponseItem('r1', plan.entity, nodes, plan.page, connection.totalCount, new Date())),
    sign: await meanMs(() =>
      signingProfile('default').sign({ header: { ...newCallbackHeader({ senderId: 'dci-gateway', action: 'on-search', status: 'succ', totalCount: 1 }) }, message: reply }, gateway.dci.keys.activeKey()),
    ),
  };
  const total = Object.values(ms).reduce((a, b) => a + b, 0);
  return [ms.token, ms.schema, ms.signature, ms.translate, ms.map, ms.sign, total, graphqlMs, `${fixed((100 * total) / graphqlMs, 3)} %`];
}

export async function run(ctx: BenchContext): Promise<string> {
  const { gateway } = ctx;
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-bench-partner-'));
  try {
    const partnerKey = (await KeyRing.open(keyDir)).activeKey();
    const { clientId, clientSecret } = await createPartner(
      gateway.models,
      { senderId: SENDER, publicKeys: [partnerKey.publicJwk], callbackBase: 'https://bench.invalid/dci', scopes: ['dci:search'], pii: true, rateLimitPerMinute: 1_000_000 },
      new Date(),
    );
    const tokenRes = await fetch(`${gateway.url}/oauth2/client/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    });
    const partnerToken = ((await tokenRes.json()) as { access_token: string }).access_token;

    const rows: (string | number)[][] = [];
    const steps: (string | number)[][] = [];
    for (const c of CASES(ctx.individuals)) {
      ctx.note(`dci: ${c.label}`);
      // The GraphQL side runs exactly what the adapter would run for this criteria.
      const plan = translateSearch(c.criteria as never, { allowedAttributes: new Set(['UIN', 'age']), maxPageSize: 100, now: new Date() });
      if (!plan.ok) throw new Error(plan.message);
      const gqlBody = JSON.stringify({ query: OPERATION_FOR[plan.entity], variables: plan.variables });
      const sendGraphql = async () => ({
        url: `${gateway.url}/graphql`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` },
        body: gqlBody,
      });
      const sendDci = async () => {
        const message = { transaction_id: `bench-${Date.now()}`, search_request: [{ reference_id: 'r1', timestamp: new Date().toISOString(), search_criteria: c.criteria }] };
        const header = newHeader({ senderId: SENDER, action: 'search', totalCount: 1 });
        const signed = await signingProfile('default').sign({ header, message }, partnerKey);
        return {
          url: `${gateway.url}/dci/registry/sync/search`,
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${partnerToken}`, ...signed.headers },
          body: signed.rawBody,
        };
      };
      await timed(sendGraphql); // warm-up, both sides
      await timed(sendDci);
      const dci: number[] = [];
      const gql: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        if (round % 2 === 0) {
          dci.push(await timed(sendDci));
          gql.push(await timed(sendGraphql));
        } else {
          gql.push(await timed(sendGraphql));
          dci.push(await timed(sendDci));
        }
      }
      const stats = (xs: number[]) => {
        const sorted = [...xs].sort((a, b) => a - b);
        return { rps: (1000 * xs.length) / xs.reduce((a, b) => a + b, 0), p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
      };
      steps.push([c.label, ...(await adapterSteps(ctx, { key: partnerKey, token: partnerToken }, c, plan, gqlBody))].map((x) => (typeof x === 'number' ? fixed(x, 2) : x)));
      const d = stats(dci);
      const g = stats(gql);
      rows.push([c.label, 'signed DCI sync/search', fixed(d.rps, 2), fixed(d.p50), fixed(d.p99)]);
      rows.push([c.label, 'same query on /graphql', fixed(g.rps, 2), fixed(g.p50), fixed(g.p99)]);
      rows.push([c.label, 'ratio DCI / GraphQL', fixed(d.rps / g.rps, 2), fixed(d.p50 / g.p50, 2), fixed(d.p99 / g.p99, 2)]);
    }
    return [
      '## DCI adapter overhead: signed sync/search against the same query on /graphql',
      '',
      table(['query', 'endpoint', 'req/s', 'p50 ms', 'p99 ms'], rows),
      '',
      `${ROUNDS} requests per side and query, one at a time, alternating sides, after one warm-up each.`,
      '',
      `### The adapter's own work per request (in process, mean of ${STEP_ITERATIONS} runs, ms)`,
      '',
      table(['query', 'token', 'schema', 'signature', 'translate', 'map records', 'sign reply', 'adapter total', 'GraphQL request', 'adapter / GraphQL'], steps),
    ].join('\n');
  } finally {
    fs.rmSync(keyDir, { recursive: true, force: true });
  }
}
