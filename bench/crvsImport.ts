/**
 * The CRVS birth import: 20,000 sandbox births (mothers among the seeded people) imported into the
 * seeded registry by the same code the gateway's import job runs, then the same range again (every
 * record already known). Reported as records per second.
 */
import { startSandbox } from '../adapters/dci/sandbox';
import { runImport, openImport, totals } from '../src/crvs/imports';
import { addDataSource } from '../src/dataSources/service';
import { settingsOf } from '../src/dataSources/settings';
import type { BenchContext } from './context';
import { SEED } from './context';
import { fixed, table } from './support';

const BIRTHS = 20_000;

export async function run(ctx: BenchContext): Promise<string> {
  const { gateway } = ctx;
  const sandbox = await startSandbox({ seed: SEED, demoIndividuals: ctx.individuals, births: BIRTHS, deaths: 0 });
  try {
    const crvs = sandbox.registries.crvs;
    await addDataSource(gateway.models, settingsOf(gateway.store.connection), {
      name: 'crvs-bench', kind: 'crvs', baseUrl: crvs.baseUrl, receiverId: crvs.senderId, jwksUrl: crvs.jwksUrl, callbackBase: `${gateway.url}/dci`,
      auth: { type: 'oauth2', tokenUrl: sandbox.oauth.tokenUrl, clientId: sandbox.oauth.clientId, clientSecret: sandbox.oauth.clientSecret },
      timeoutMs: 60_000, rateLimitPerMinute: 100_000,
    }, new Date());
    const client = await gateway.dataSources.client('crvs-bench');
    const today = new Date();
    const range = { kind: 'births' as const, dataSource: 'crvs-bench', from: new Date(Date.UTC(today.getUTCFullYear() - 11, 0, 1)), to: today };
    const rows: (string | number)[][] = [];
    for (const pass of ['first import (all new)', 'second import (all known)']) {
      const { doc } = await openImport(gateway.models, range, new Date());
      ctx.note(`CRVS import: ${pass}`);
      const started = process.hrtime.bigint();
      const done = await runImport({ models: gateway.models, client, onProgress: (p) => p.pagesDone % 50 === 1 && ctx.note(`CRVS import: page ${p.pagesDone}`) }, doc._id);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const c = totals(done);
      rows.push([pass, done.totalCount ?? 0, fixed(seconds), fixed((done.totalCount ?? 0) / seconds), c.created, c.updated, c.unchanged, c.review]);
    }
    return [
      '## CRVS birth import',
      '',
      `${BIRTHS} sandbox births, pages of 100 (10 pages per search call and per write batch), mothers among the ${ctx.individuals} seeded people; sandbox and gateway in one process.`,
      '',
      table(['run', 'records', 'seconds', 'records/s', 'created', 'updated', 'unchanged', 'review'], rows),
    ].join('\n');
  } finally {
    await sandbox.stop();
  }
}
