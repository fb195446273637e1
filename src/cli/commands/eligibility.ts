import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { partnerDataSources, printJson, withStore } from '../runtime';

export function registerEligibility(program: Command): void {
  program
    .command('eligibility')
    .description("evaluate a programme's rule over everyone or one area; fetches missing or stale indicator values first (progress on stderr); prints the counts as JSON")
    .requiredOption('--program <name>', 'the programme')
    .option('--area <code>', 'only the individuals of this area')
    .action((opts: { program: string; area?: string }) =>
      withStore(async (session) => {
        const { models, log } = session;
        const [dataSources, { evaluateEligibility }, { programByName }] = await Promise.all([partnerDataSources(session), import('../../programs/eligibility'), import('../../programs/programs')]);
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
