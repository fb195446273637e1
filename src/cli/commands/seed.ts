import { SingleBar, Presets } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { GatewayError } from '../../errors';
import { seedRegistry } from '../../registry/seed';
import { openStore } from '../../store/connection';
import { EngineMissingError } from '../../store/engine';
import { registryModels, syncIndexes } from '../../store/models';
import { loadRuntime } from '../runtime';

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
    .description('fill an empty registry with synthetic households (deterministic per seed); prints {individuals, groups, seconds} as JSON')
    .requiredOption('--individuals <n>', 'number of individuals to create (a positive integer)', integer(1, 'N must be a positive integer.'))
    .option('--seed <s>', 'random seed: the same seed gives the same people and identifiers', integer(0, 'S must be a non-negative integer.'), 1)
    .action(async (opts: { individuals: number; seed: number }) => {
      const { config } = loadRuntime();
      // stdout carries the JSON summary, so logs (the engine's start-up line included) go to stderr.
      const log = pino({ level: config.logLevel, base: { service: 'dci-gateway' } }, pino.destination(2));
      let store;
      try {
        store = await openStore({ mongodbUri: config.mongodbUri, dataDir: config.dataDir, log });
      } catch (error) {
        if (error instanceof EngineMissingError) {
          process.stderr.write(`${error.message}\n`);
          process.exit(2);
        }
        throw error;
      }
      const bar = new SingleBar({ stream: process.stderr, format: 'seeding [{bar}] {percentage}% | {value}/{total} individuals | {duration}s' }, Presets.shades_classic);
      try {
        await syncIndexes(store.connection);
        const started = process.hrtime.bigint();
        bar.start(opts.individuals, 0);
        const result = await seedRegistry(registryModels(store.connection), {
          individuals: opts.individuals,
          seed: opts.seed,
          onProgress: (done) => bar.update(done),
        });
        bar.stop();
        const seconds = Math.round(Number(process.hrtime.bigint() - started) / 1e7) / 100;
        process.stdout.write(`${JSON.stringify({ ...result, seconds })}\n`);
      } catch (error) {
        bar.stop();
        if (error instanceof GatewayError && error.code === 'CONFLICT') {
          const where = config.mongodbUri ? 'the database at MONGODB_URI' : `DATA_DIR ${config.dataDir}`;
          throw new Error(`seed refused: ${error.message} (${where})`);
        }
        throw error;
      } finally {
        // Closing also stops the embedded engine, which would otherwise outlive this process.
        await store.close();
      }
    });
}
