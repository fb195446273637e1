import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { wireDataSources } from '../../dataSources/wiring';
import { evaluateEligibility } from '../../programs/eligibility';
import { programByName } from '../../programs/programs';
import { KeyRing } from '../../../adapters/dci/protocol';
import { CallbackHub } from '../../../adapters/dci/server/callbackHub';
import { printJson, withStore } from '../runtime';

export function registerEligibility(program: Command): void {
  program
    .command('eligibility')
    .description("evaluate a programme's rule over everyone or one area; fetches missing or stale indicator values first (progress on stderr); prints the counts as JSON")
    .requiredOption('--program <name>', 'the programme')
    .option('--area <code>', 'only the individuals of this area')
    .action((opts: { program: string; area?: string }) =>
      withStore(async ({ config, store, models, log }) => {
        const dataSources = wireDataSources({ config, connection: store.connection, models, dci: { keys: await KeyRing.open(config.dataDir), hub: new CallbackHub() }, log });
        const found = await programByName(models, opts.program);
        const controller = new AbortController();
        const interrupt = () => controller.abort();
        process.once('SIGINT', interrupt);
        const bar = new SingleBar({ stream: process.stderr, format: 'indicator values [{bar}] {percentage}% | {value}/{total} people | {duration}s' }, Presets.shades_classic);
        let started = false;
        try {
          const evaluation = await evaluateEligibility(
            { models, dataSources, log },
            undefined,
            {
              programId: `${found._id}`,
              filter: { areaCode: opts.area },
              first: 1,
              signal: controller.signal,
              onProgress: (done, total) => {
                if (total === 0) return;
                if (!started) bar.start(total, 0);
                started = true;
                bar.update(done);
              },
            },
          );
          bar.stop();
          const { record } = evaluation;
          printJson({
            program: found.name,
            ruleVersion: record.ruleVersion,
            rule: record.rule,
            area: opts.area ?? null,
            population: record.population,
            ...record.counts,
            strategy: record.strategy,
            seconds: Math.round(record.durationMs / 10) / 100,
          });
        } catch (error) {
          if (!controller.signal.aborted) throw error;
          bar.stop();
          process.stderr.write('eligibility interrupted: the values fetched so far are stored, and the next run reuses them\n');
          process.exitCode = 130;
        } finally {
          bar.stop();
          process.off('SIGINT', interrupt);
        }
      }),
    );
}
