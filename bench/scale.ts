/**
 * The embedded engine at 100,000 people: how long the seed takes, the dashboard query's latency, and
 * the engine's resident memory with its configured heap. A gateway of its own, in a fresh DATA_DIR.
 */
import fs from 'node:fs';
import { openContext, type BenchContext } from './context';
import { graphqlRequest } from './registry';
import { fixed, percentile, sequentialMs, table } from './support';

export const LARGE = 100_000;
const SAMPLES = 30;

/** Resident and peak resident memory of a process, in MiB (Linux). */
function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

export async function run(main: BenchContext): Promise<string> {
  main.note(`scale: a second gateway with ${LARGE} individuals`);
  const { ctx, close } = await openContext({ individuals: LARGE, engine: main.engine });
  try {
    const pid = ctx.gateway.store.engine!.pid;
    const afterSeed = memoryMiB(pid);
    await sequentialMs(5, async () => graphqlRequest(ctx, 50)); // warm-up
    const latencies = await sequentialMs(SAMPLES, async () => graphqlRequest(ctx, 50));
    const after = memoryMiB(pid);
    return [
      `## At ${LARGE.toLocaleString('en')} people (${ctx.engine}, heap ${process.env.EMBEDDED_ENGINE_HEAP ?? 'default'})`,
      '',
      table(
        ['seed (s)', 'individuals/s', 'dashboard p50 ms', 'dashboard p99 ms', 'engine RSS after seed MiB', 'engine RSS after queries MiB', 'engine peak RSS MiB'],
        [[fixed(ctx.seedSeconds), fixed(ctx.individuals / ctx.seedSeconds, 0), fixed(percentile(latencies, 50)), fixed(percentile(latencies, 99)), fixed(afterSeed.rss, 0), fixed(after.rss, 0), fixed(after.peak, 0)]],
      ),
      '',
      `${ctx.individuals} individuals in ${ctx.groups} households; the dashboard query for 50 households, ${SAMPLES} requests one at a time after 5 warm-ups. Memory from /proc/<engine pid>/status (VmRSS, VmHWM).`,
    ].join('\n');
  } finally {
    await close();
  }
}
