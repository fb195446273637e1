import { SingleBar, Presets } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { GatewayError } from '../../errors';
import { seedRegistry } from '../../registry/seed';
import { printJson, withStore } from '../runtime';

function integer(min: number, what: string) {
  return (text: string) => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(what);
    return n;
  };
}

export function registerSeed(program: Command): void {
  program
    .command('seed')
    .description('fill an empty registry with synthetic households (deterministic per seed), or complete an interrupted seed of the same seed and size; prints {individuals, groups, seconds} as JSON')
    .requiredOption('--individuals <n>', 'number of individuals to create (a positive integer)', integer(1, 'N must be a positive integer.'))
    .option('--seed <s>', 'random seed: the same seed gives the same people and identifiers', integer(0, 'S must be a non-negative integer.'), 1)
    .action(async (opts: { individuals: number; seed: number }) => {
      await withStore(async ({ config, models }) => {
        const bar = new SingleBar({ stream: process.stderr, format: 'seeding [{bar}] {percentage}% | {value}/{total} individuals | {duration}s' }, Presets.shades_classic);
        const started = process.hrtime.bigint();
        bar.start(opts.individuals, 0);
        try {
          const result = await seedRegistry(models, { individuals: opts.individuals, seed: opts.seed, onProgress: (done) => bar.update(done) });
          bar.stop();
          const seconds = Math.round(Number(process.hrtime.bigint() - started) / 1e7) / 100;
          printJson({ ...result, seconds });
        } catch (error) {
          bar.stop();
          if (error instanceof GatewayError && error.code === 'CONFLICT') {
            const where = config.mongodbUri ? 'the database at MONGODB_URI' : `DATA_DIR ${config.dataDir}`;
            throw new GatewayError('CONFLICT', `seed refused: ${error.message} (${where})`);
          }
          throw error;
        }
      });
    });
}
