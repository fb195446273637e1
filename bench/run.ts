/**
 * `npm run bench`: opens one seeded gateway, runs every benchmark module in order and prints their
 * markdown sections to stdout. A new benchmark is a module exporting `run(ctx)`, added to BENCHMARKS.
 */
import os from 'node:os';
import { FERRETDB_VERSION } from '../src/store/engineBinary';
import { BenchContext, openContext } from './context';
import * as registry from './registry';

interface Benchmark {
  run(ctx: BenchContext): Promise<string>;
}

const BENCHMARKS: Benchmark[] = [registry];

async function main() {
  const { ctx, close } = await openContext();
  const sections: string[] = [];
  try {
    for (const benchmark of BENCHMARKS) sections.push(await benchmark.run(ctx));
  } finally {
    await close();
  }
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const header = [
    '# dci-gateway benchmarks',
    '',
    `Node ${process.version}, ${os.availableParallelism()} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM; ` +
      `embedded FerretDB ${FERRETDB_VERSION} (SQLite); ${ctx.individuals} individuals in ${ctx.groups} households.`,
  ].join('\n');
  process.stdout.write(`${[header, ...sections].join('\n\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
