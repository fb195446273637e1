/**
 * The DCI adapter's cost: a signed `sync/search` (token, schema, signature, replay guard, translation,
 * GraphQL in process, record mapping, signed reply) next to the same query sent straight to /graphql,
 * in the same run, for an identifier lookup and for a 100-record predicate page: one request at a
 * time, alternating sides, then ten clients at once, in alternated blocks, so both see the same load.
 * Then many people per envelope: one envelope of 100 identifier items against one of a single item.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyRing, newCallbackHeader, newHeader, signingProfile, validatorFor } from '../adapters/dci/protocol';
import { FULL_DISCLOSURE } from '../adapters/dci/server/disclosure';
import { searchResponseItem } from '../adapters/dci/server/records';
import { OPERATION_FOR } from '../adapters/dci/server/operations';
import { translateSearch } from '../adapters/dci/server/query';
import { createPartner } from '../src/partners/service';
import { demoUin } from '../src/registry/seed';
import type { BenchContext } from './context';
import { SEED } from './context';
import { fixed, load, LoadRun, percentile, SignedSearch, signedSearchRequest, summarize, table } from './support';

const ROUNDS = 100;
/** Items in the many-people envelope, and rounds of it against the single-item one. */
const ENVELOPE_ITEMS = 100;
const ENVELOPE_ROUNDS = 100;
const CONCURRENT = 10;
/** Each side's load blocks at CONCURRENT, two per side, alternated. */
const BLOCK_MS = 5_000;
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

export const CASES = (individuals: number): Case[] => [
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
export async function timed(prepare: () => Promise<RequestInit & { url: string }>): Promise<number> {
  const { url, ...init } = await prepare();
  const t0 = performance.now();
  const res = await fetch(url, init);
  const body = JSON.parse(await res.text()) as { errors?: unknown[]; message?: { search_response?: { status: string }[] } };
  const elapsed = performance.now() - t0;
  // A refusal is fast: only answers that carry results may count.
  const failed = res.status !== 200 || body.errors || (body.message && body.message.search_response?.some((item) => item.status !== 'succ'));
  if (failed) throw new Error(`bench request failed: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return elapsed;
}

/**
 * What the adapter adds to a search, step by step, timed without the engine: the end-to-end figures
 * above are dominated by the engine's collection scans, which hide these costs.
 */
async function adapterSteps(ctx: BenchContext, partner: BenchPartner, c: Case, plan: Extract<ReturnType<typeof translateSearch>, { ok: true }>, gqlBody: string) {
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
  const item = searchResponseItem('r1', plan.entity, nodes, plan.page, connection.totalCount, FULL_DISCLOSURE, new Date());
  const reply = { transaction_id: 'bench-steps', correlation_id: 'c', search_response: [item] };
  const ms = {
    token: await meanMs(() => gateway.tokens.verify(partnerToken)),
    schema: await meanMs(() => validate(body)),
    signature: await meanMs(() => signingProfile('default').verify({ body, rawBody: signed.rawBody, headers: {} }, resolver)),
    translate: await meanMs(() => translateSearch(c.criteria as never, { allowedAttributes: new Set(['UIN', 'age']), disclosure: FULL_DISCLOSURE, maxPageSize: 100, now: new Date() })),
    map: await meanMs(() => searchResponseItem('r1', plan.entity, nodes, plan.page, connection.totalCount, FULL_DISCLOSURE, new Date())),
    sign: await meanMs(() =>
      signingProfile('default').sign({ header: { ...newCallbackHeader({ senderId: 'dci-gateway', action: 'on-search', status: 'succ', totalCount: 1 }) }, message: reply }, gateway.dci.keys.activeKey()),
    ),
  };
  const total = Object.values(ms).reduce((a, b) => a + b, 0);
  return [ms.token, ms.schema, ms.signature, ms.translate, ms.map, ms.sign, total, graphqlMs, `${fixed((100 * total) / graphqlMs, 3)} %`];
}

/** A registered partner with a real key and an OAuth2 token, able to send signed sync searches. */
export interface BenchPartner {
  key: ReturnType<KeyRing['activeKey']>;
  token: string;
  /** A freshly signed sync/search for `criteria` (a new message id each time). */
  syncSearch(criteria: Record<string, unknown>): Promise<RequestInit & { url: string }>;
  /** The same with one item per criteria, in one envelope. */
  syncSearchMany(criteria: Record<string, unknown>[]): Promise<RequestInit & { url: string }>;
  /** Sync searches for `criteria` for a load worker to sign, one by one. */
  signedSearch(criteria: Record<string, unknown>): SignedSearch;
  close(): void;
}

export async function connectPartner(ctx: BenchContext): Promise<BenchPartner> {
  const { gateway } = ctx;
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-bench-partner-'));
  const key = (await KeyRing.open(keyDir)).activeKey();
  // A partner per call: several benchmarks may connect to one gateway.
  const sender = `${SENDER}-${path.basename(keyDir).toLowerCase().replace(/[^a-z0-9]/g, '')}`;
  const { clientId, clientSecret } = await createPartner(
    gateway.models,
    { senderId: sender, publicKeys: [key.publicJwk], callbackBase: 'https://bench.invalid/dci', scopes: ['dci:search'], disclosure: FULL_DISCLOSURE, rateLimitPerMinute: 1_000_000 },
    new Date(),
  );
  const tokenRes = await fetch(`${gateway.url}/oauth2/client/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;
  const searching = { url: `${gateway.url}/dci/registry/sync/search`, token, keyDir, senderId: sender };
  const syncSearchMany = (criteria: Record<string, unknown>[]) => signedSearchRequest(searching, key, criteria);
  return {
    key,
    token,
    syncSearch: (criteria) => syncSearchMany([criteria]),
    syncSearchMany,
    signedSearch: (criteria) => ({ ...searching, criteria }),
    close: () => fs.rmSync(keyDir, { recursive: true, force: true }),
  };
}

/** Requests one at a time: throughput is their count over their summed time. */
const stats = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return { rps: xs.length / (xs.reduce((a, b) => a + b, 0) / 1000), p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

/**
 * One envelope of ENVELOPE_ITEMS identifier items (different people) against one of a single item,
 * one request at a time, alternating, after warm-ups: the items of an envelope are answered together.
 */
/** CPU milliseconds used so far by this process (gateway and bench client) and by the engine process, if any. */
function cpuMs(enginePid: number | undefined): number {
  const { user, system } = process.cpuUsage();
  // /proc/<pid>/stat fields 14 and 15: user and system time in clock ticks (100 per second on Linux).
  const engineTicks = enginePid === undefined ? 0 : fs.readFileSync(`/proc/${enginePid}/stat`, 'utf8').split(') ')[1].split(' ').slice(11, 13).reduce((a, b) => a + Number(b), 0);
  return (user + system) / 1000 + engineTicks * 10;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function manyPeoplePerEnvelope(ctx: BenchContext, partner: BenchPartner): Promise<string> {
  ctx.note(`dci: ${ENVELOPE_ITEMS} identifier items in one envelope`);
  const enginePid = ctx.gateway.store.engine?.pid;
  const byUin = (n: number) => ({ query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(SEED, n) }, response_entity: 'Member' });
  const people = Array.from({ length: ENVELOPE_ITEMS }, (_, i) => byUin(1 + Math.floor((i * ctx.individuals) / ENVELOPE_ITEMS)));
  const sendOne = () => partner.syncSearch(byUin(Math.ceil(ctx.individuals / 2)));
  const sendMany = () => partner.syncSearchMany(people);
  for (let i = 0; i < 3; i++) {
    await timed(sendOne);
    await timed(sendMany);
  }
  const runs = new Map([sendOne, sendMany].map((send) => [send, { wall: [] as number[], cpu: [] as number[] }]));
  for (let round = 0; round < ENVELOPE_ROUNDS; round++) {
    for (const send of round % 2 === 0 ? [sendOne, sendMany] : [sendMany, sendOne]) {
      const cpuBefore = cpuMs(enginePid);
      runs.get(send)!.wall.push(await timed(send));
      runs.get(send)!.cpu.push(cpuMs(enginePid) - cpuBefore);
    }
  }
  const one = runs.get(sendOne)!;
  const many = runs.get(sendMany)!;
  const [o, m] = [stats(one.wall), stats(many.wall)];
  return [
    `### Many people per envelope: ${ENVELOPE_ITEMS} identifier items against 1`,
    '',
    table(
      ['envelope', 'p50 ms', 'p99 ms', 'CPU ms per request'],
      [
        ['1 idtype-value item', fixed(o.p50), fixed(o.p99), fixed(mean(one.cpu))],
        [`${ENVELOPE_ITEMS} idtype-value items (different people)`, fixed(m.p50), fixed(m.p99), fixed(mean(many.cpu))],
        [`ratio ${ENVELOPE_ITEMS} / 1`, fixed(m.p50 / o.p50, 2), fixed(m.p99 / o.p99, 2), fixed(mean(many.cpu) / mean(one.cpu), 2)],
      ],
    ),
    '',
    `${ENVELOPE_ROUNDS} requests of each, one at a time, alternating, after 3 warm-ups each; every item must be answered \`succ\`. ` +
      'CPU: this process (gateway and the partner signing its request) plus the engine process, the part of the cost a busy machine does not inflate.',
  ].join('\n');
}

export async function run(ctx: BenchContext): Promise<string> {
  const { gateway } = ctx;
  const partner = await connectPartner(ctx);
  try {
    const envelope = await manyPeoplePerEnvelope(ctx, partner);
    // Progress shows it at once: the section is printed with the others only when all have run.
    ctx.note(`\n${envelope}`);
    const rows: (string | number)[][] = [];
    const steps: (string | number)[][] = [];
    for (const c of CASES(ctx.individuals)) {
      ctx.note(`dci: ${c.label}`);
      // The GraphQL side runs exactly what the adapter would run for this criteria.
      const plan = translateSearch(c.criteria as never, { allowedAttributes: new Set(['UIN', 'age']), disclosure: FULL_DISCLOSURE, maxPageSize: 100, now: new Date() });
      if (!plan.ok) throw new Error(plan.message);
      const gqlBody = JSON.stringify({ query: OPERATION_FOR[plan.entity], variables: plan.variables });
      const graphqlRequest = { url: `${gateway.url}/graphql`, method: 'POST' as const, headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` }, body: gqlBody };
      const sendGraphql = async () => graphqlRequest;
      const sendDci = () => partner.syncSearch(c.criteria);
      for (let i = 0; i < 5; i++) {
        await timed(sendGraphql); // warm-up, both sides
        await timed(sendDci);
      }
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
      steps.push([c.label, ...(await adapterSteps(ctx, partner, c, plan, gqlBody))].map((x) => (typeof x === 'number' ? fixed(x, 2) : x)));
      const d = stats(dci);
      const g = stats(gql);
      rows.push([c.label, 'signed DCI sync/search', 1, fixed(d.rps, 1), fixed(d.p50), fixed(d.p99)]);
      rows.push([c.label, 'same query on /graphql', 1, fixed(g.rps, 1), fixed(g.p50), fixed(g.p99)]);
      rows.push([c.label, 'ratio DCI / GraphQL', '', fixed(d.rps / g.rps, 2), fixed(d.p50 / g.p50, 2), fixed(d.p99 / g.p99, 2)]);
      // Alternated blocks of CONCURRENT clients in a worker thread, so both sides see the same
      // machine and the gateway's thread does only gateway work.
      const { url: graphqlUrl, ...graphqlInit } = graphqlRequest;
      const expectBody = await (await fetch(graphqlUrl, graphqlInit)).text();
      const sides = { dci: partner.signedSearch(c.criteria), graphql: { ...graphqlRequest, expectBody } };
      const runs: Record<keyof typeof sides, LoadRun[]> = { dci: [], graphql: [] };
      for (let round = 0; round < 2; round++) {
        for (const side of round === 0 ? (['dci', 'graphql'] as const) : (['graphql', 'dci'] as const)) runs[side].push(await load(sides[side], { durationMs: BLOCK_MS, concurrency: CONCURRENT }));
      }
      const dc = summarize(runs.dci);
      const gc = summarize(runs.graphql);
      rows.push([c.label, 'signed DCI sync/search', CONCURRENT, fixed(dc.rps, 1), fixed(dc.p50), fixed(dc.p99)]);
      rows.push([c.label, 'same query on /graphql', CONCURRENT, fixed(gc.rps, 1), fixed(gc.p50), fixed(gc.p99)]);
      rows.push([c.label, 'ratio DCI / GraphQL', '', fixed(dc.rps / gc.rps, 2), fixed(dc.p50 / gc.p50, 2), fixed(dc.p99 / gc.p99, 2)]);
    }
    return [
      '## DCI adapter overhead: signed sync/search against the same query on /graphql',
      '',
      table(['query', 'endpoint', 'concurrency', 'req/s', 'p50 ms', 'p99 ms'], rows),
      '',
      `Alone: ${ROUNDS} requests per side and query, one at a time, alternating sides, after 5 warm-ups each. ` +
        "The partner's signing (in this process) happens before each request's clock starts, but shares the CPU. " +
        `Concurrency ${CONCURRENT}: ${CONCURRENT} clients for ${BLOCK_MS / 1000} s per block, two alternated blocks per side, in a worker thread ` +
        "that also signs each DCI request: the gateway's thread does only gateway work.",
      '',
      `### The adapter's own work per request (in process, mean of ${STEP_ITERATIONS} runs, ms)`,
      '',
      table(['query', 'token', 'schema', 'signature', 'translate', 'map records', 'sign reply', 'adapter total', 'GraphQL request', 'adapter / GraphQL'], steps),
      '',
      envelope,
    ].join('\n');
  } finally {
    partner.close();
  }
}
