/**
 * The dashboard's household listing over GraphQL: database round trips per request as the page
 * grows (the loaders must keep them constant), then throughput and latency next to a hand-written
 * express + mongoose endpoint that returns the same JSON.
 */
import { isDeepStrictEqual } from 'node:util';
import mongoose from 'mongoose';
import { startBaseline } from './baseline';
import type { BenchContext } from './context';
import { fixed, load, LoadRequest, LoadRun, summarize, table } from './support';

const DASHBOARD_QUERY = `query Dashboard($first: Int!) {
  groups(first: $first) { edges { node {
    id name size identifiers { type value }
    members { role individual { id name { given family } sex birthDate identifiers { type value } } }
  } } }
}`;
const PAGE_SIZES = [10, 50, 100];
const LOAD_PAGE = 50;
/**
 * One client per core: gateway and engine share the machine's two cores, more clients only queue.
 */
const CONCURRENCY = 2;
/** Rounds alternate (A B, B A), so drift (caches, GC, neighbours on the machine) hits both alike. */
const ROUNDS = 2;
const ROUND_MS = 15_000;

type Answer = { body: string; roundTrips: number; commands: string };
type Members = { data: { groups: { edges: { node: { members: unknown[] } }[] } } };

export function graphqlRequest(ctx: BenchContext, first: number): Omit<LoadRequest, 'expectBody'> {
  return {
    url: `${ctx.gateway.url}/graphql`,
    method: 'POST',
    headers: { authorization: `Bearer ${ctx.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: DASHBOARD_QUERY, variables: { first } }),
  };
}

/** Sends one request; returns its body and the database commands it cost, counted and by name. */
async function once(ctx: BenchContext, req: Omit<LoadRequest, 'expectBody'>): Promise<Answer> {
  // The calls by name, as mongoose's debug hook reports them (the gateway does not monitor commands).
  const names: string[] = [];
  mongoose.set('debug', (collection: string, method: string) => names.push(`${method} ${collection}`));
  const before = ctx.gateway.store.commandCount();
  try {
    const res = await fetch(req.url, req);
    const body = await res.text();
    if (res.status !== 200 || body.includes('"errors"')) throw new Error(`${req.url}: HTTP ${res.status} ${body.slice(0, 300)}`);
    return { body, roundTrips: ctx.gateway.store.commandCount() - before, commands: tally(names) };
  } finally {
    mongoose.set('debug', false);
  }
}

/** ['find groups', 'find groups', 'find individuals'] → 'find groups ×2, find individuals ×1' */
function tally(names: string[]): string {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, n]) => `${name} ×${n}`).join(', ');
}

const memberCount = (body: string) => (JSON.parse(body) as Members).data.groups.edges.reduce((n, e) => n + e.node.members.length, 0);

function roundTripSection(pages: Map<number, Answer>): string {
  const rows = [...pages].map(([first, { body, roundTrips, commands }]) => [first, memberCount(body), roundTrips, commands]);
  const constant = new Set(rows.map((r) => r[2])).size === 1;
  return [
    '### Database round trips per dashboard request',
    '',
    table(['households (first)', 'members in answer', 'DB round trips', 'commands'], rows),
    '',
    `Constant in N: ${constant ? 'yes' : 'no'}.`,
  ].join('\n');
}

/** `gqlOnce` is the GraphQL answer for LOAD_PAGE, already fetched: each request costs seconds here. */
async function throughput(ctx: BenchContext, gqlOnce: Answer): Promise<string> {
  const baseline = await startBaseline(ctx.gateway.models, ctx.gateway.tokens);
  try {
    const gql = graphqlRequest(ctx, LOAD_PAGE);
    const plain = { url: `${baseline.url}?first=${LOAD_PAGE}`, method: 'GET' as const, headers: { authorization: `Bearer ${ctx.token}` } };
    const plainOnce = await once(ctx, plain);
    if (!isDeepStrictEqual(JSON.parse(gqlOnce.body), JSON.parse(plainOnce.body))) throw new Error('the baseline does not return the GraphQL answer');
    const sides = { graphql: { ...gql, expectBody: gqlOnce.body }, baseline: { ...plain, expectBody: plainOnce.body } };

    ctx.note(`${ROUNDS} alternated rounds of ${ROUND_MS / 1000} s per side at concurrency ${CONCURRENCY}`);
    const runs: Record<keyof typeof sides, LoadRun[]> = { graphql: [], baseline: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order: (keyof typeof sides)[] = round % 2 === 0 ? ['graphql', 'baseline'] : ['baseline', 'graphql'];
      for (const side of order) runs[side].push(await load(sides[side], { durationMs: ROUND_MS, concurrency: CONCURRENCY }));
    }
    const g = summarize(runs.graphql);
    const b = summarize(runs.baseline);
    return [
      `### Dashboard query, ${LOAD_PAGE} households (${memberCount(gqlOnce.body)} members, ${Math.round(gqlOnce.body.length / 1024)} KiB JSON), concurrency ${CONCURRENCY}`,
      '',
      table(
        ['endpoint', 'DB round trips', 'requests', 'req/s', 'p50 ms', 'p99 ms'],
        [
          ['GraphQL (Apollo)', gqlOnce.roundTrips, g.requests, fixed(g.rps, 2), fixed(g.p50), fixed(g.p99)],
          ['express + mongoose', plainOnce.roundTrips, b.requests, fixed(b.rps, 2), fixed(b.p50), fixed(b.p99)],
          ['ratio GraphQL / baseline', '', '', fixed(g.rps / b.rps, 2), fixed(g.p50 / b.p50, 2), fixed(g.p99 / b.p99, 2)],
        ],
      ),
      '',
      `Both answers are deep-equal and every timed answer was checked byte for byte. ${(ROUNDS * ROUND_MS) / 1000} s per side, ` +
        'plus the answers still in flight when a round ends (counted, with their time); the requests above served as warm-up.',
    ].join('\n');
  } finally {
    await baseline.close();
  }
}

export async function run(ctx: BenchContext): Promise<string> {
  const pages = new Map<number, Answer>();
  for (const first of PAGE_SIZES) {
    ctx.note(`registry: round trips, first ${first}`);
    pages.set(first, await once(ctx, graphqlRequest(ctx, first)));
  }
  ctx.note('registry: throughput');
  return ['## Registry: dashboard household listing', '', roundTripSection(pages), '', await throughput(ctx, pages.get(LOAD_PAGE)!)].join('\n');
}
