/**
 * The two embedded engines side by side, in one run: a second gateway on FerretDB 1.24 (SQLite),
 * seeded like the main one, and the same few requests timed on both. FerretDB takes seconds per
 * request at this size, so each gets a handful of samples, one at a time.
 */
import { demoUin } from '../src/registry/seed';
import { openContext, SEED, type BenchContext } from './context';
import { CASES, connectPartner } from './dciSearch';
import { graphqlRequest } from './registry';
import { fixed, percentile, sequentialMs, table } from './support';

const SAMPLES = 3;

interface Probe {
  label: string;
  request(ctx: BenchContext, send: { dci: (criteria: Record<string, unknown>) => Promise<RequestInit & { url: string }> }): Promise<RequestInit & { url: string }>;
}

const graphql = (ctx: BenchContext, query: string, variables: object) => ({
  url: `${ctx.gateway.url}/graphql`,
  method: 'POST',
  headers: { authorization: `Bearer ${ctx.token}`, 'content-type': 'application/json' },
  body: JSON.stringify({ query, variables }),
});

const PROBES: Probe[] = [
  {
    label: 'GraphQL registrantByIdentifier (UIN)',
    request: async (ctx) =>
      graphql(ctx, 'query($v: String!) { registrantByIdentifier(type: "UIN", value: $v) { ... on Individual { id } } }', { v: demoUin(SEED, Math.ceil(ctx.individuals / 2)) }),
  },
  { label: 'GraphQL dashboard, 50 households', request: async (ctx) => graphqlRequest(ctx, 50) },
  { label: 'DCI sync/search idtype-value (UIN)', request: (ctx, send) => send.dci(CASES(ctx.individuals)[0].criteria) },
];

async function measure(ctx: BenchContext): Promise<number[]> {
  const partner = await connectPartner(ctx);
  try {
    const p50s: number[] = [];
    for (const probe of PROBES) {
      ctx.note(`engines: ${ctx.engine}: ${probe.label}`);
      const ms = await sequentialMs(SAMPLES + 1, () => probe.request(ctx, { dci: partner.syncSearch }));
      p50s.push(percentile(ms.slice(0, SAMPLES), 50)); // the slowest of SAMPLES + 1 (a warm-up, in effect) is left out
    }
    return p50s;
  } finally {
    partner.close();
  }
}

export async function run(main: BenchContext): Promise<string> {
  if (main.engine === 'ferretdb') return '## The two embedded engines\n\nSkipped: this run is on FerretDB already.';
  const mainP50 = await measure(main);
  main.note(`engines: a second gateway on FerretDB with ${main.individuals} individuals`);
  const { ctx: ferret, close } = await openContext({ individuals: main.individuals, engine: 'ferretdb' });
  let ferretP50: number[];
  try {
    ferretP50 = await measure(ferret);
  } finally {
    await close();
  }
  const rows: (string | number)[][] = [['seed (s)', fixed(main.seedSeconds), fixed(ferret.seedSeconds), fixed(ferret.seedSeconds / main.seedSeconds)]];
  PROBES.forEach((probe, i) => rows.push([`${probe.label}, p50 ms`, fixed(mainP50[i]), fixed(ferretP50[i]), fixed(ferretP50[i] / mainP50[i], 0)]));
  return [
    `## The two embedded engines, ${main.individuals.toLocaleString('en')} people`,
    '',
    table([`measure`, main.engine, 'ferretdb', 'FerretDB / default'], rows),
    '',
    `Each request ${SAMPLES + 1} times one at a time, the slowest left out; p50 of the rest. The same gateway code and seed on both.`,
  ].join('\n');
}
