/**
 * `npm run bench`: opens one seeded gateway, runs every benchmark module in order and prints their
 * markdown sections to stdout. A new benchmark is a module exporting `run(ctx)`, added to BENCHMARKS.
 */
import os from 'node:os';
import { engineFromEnv } from '../src/store/engine';
import { FERRETDB_VERSION } from '../src/store/ferretdb';
import { MONGO_JAVA_SERVER_VERSION } from '../src/store/javaEngine';
import { BenchContext, openContext } from './context';
import * as crvsImport from './crvsImport';
import * as dciSearch from './dciSearch';
import * as eligibility from './eligibility';
import * as engines from './engines';
import * as federation from './federation';
import * as registry from './registry';
import * as scale from './scale';
import * as upload from './upload';

interface Benchmark {
  run(ctx: BenchContext): Promise<string>;
}

const BENCHMARKS: Record<string, Benchmark> = { registry, dciSearch, federation, eligibility, crvsImport, upload, engines, scale };

/** `npm run bench -- dciSearch` runs only the named benchmarks; no names runs them all. */
function selected(): Benchmark[] {
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  return (names.length > 0 ? names : Object.keys(BENCHMARKS)).map((n) => BENCHMARKS[n]);
}

async function main() {
  // The gateway's config is production's (context.ts), but libraries read NODE_ENV themselves when they
  // load: graphql-js checks every type test for a second copy of itself, express stays in development.
  if (process.env.NODE_ENV !== 'production') throw new Error('run the benchmarks with NODE_ENV=production, as the gateway is deployed (npm run bench sets it)');
  const benchmarks = selected();
  const { ctx, close } = await openContext({ engine: engineFromEnv() });
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
  process.stdout.write(
    [
      '# dci-gateway benchmarks',
      '',
      `Node ${process.version}, ${os.availableParallelism()} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM; ` +
        `embedded ${ctx.engine === 'ferretdb' ? `FerretDB ${FERRETDB_VERSION} (SQLite)` : `mongo-java-server ${MONGO_JAVA_SERVER_VERSION} (H2)`}; ${ctx.individuals} individuals in ${ctx.groups} households. ` +
        `Load average (1, 5, 15 min) at the start: ${load()}.`,
      '',
    ].join('\n'),
  );
  // Each section is written as soon as it is measured: a later benchmark failing loses nothing before it.
  let failed = false;
  try {
    for (const benchmark of benchmarks) {
      try {
        process.stdout.write(`${await benchmark.run(ctx)}\n\n`);
      } catch (error) {
        failed = true;
        process.stderr.write(`bench section failed: ${(error as Error).stack ?? error}\n`);
      }
    }
  } finally {
    await close();
  }
  process.stdout.write(`Load average at the end: ${load()}.\n`);
  if (failed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
