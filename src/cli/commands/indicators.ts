import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { IndicatorRefreshDoc } from '../../store/models/indicators';
import { partnerDataSources, printJson, withStore } from '../runtime';

interface RefreshOptions {
  indicator?: string[];
  area?: string;
}

/**
 * Runs the refresh in this process (the same code as the gateway's job), resuming an unfinished run
 * of the same indicators and area; Ctrl-C stops it after the current batch, to be resumed by
 * running the same command again.
 */
const refresh = (opts: RefreshOptions) =>
  withStore(async (session) => {
    const { models, log } = session;
    const [dataSources, { openRefresh, RefreshInterrupted, runRefresh }] = await Promise.all([partnerDataSources(session), import('../../indicators/refresh')]);
    const { doc, resumed } = await openRefresh(models, { indicators: opts.indicator, area: opts.area }, 'cli', new Date());
    let stopping = false;
    const interrupt = () => (stopping = true);
    process.once('SIGINT', interrupt);
    const bar = new SingleBar({ stream: process.stderr, format: 'refreshing indicators [{bar}] {percentage}% | {value}/{total} people | {duration}s' }, Presets.shades_classic);
    bar.start(doc.total, doc.done);
    const started = Date.now();
    let result: IndicatorRefreshDoc = doc;
    try {
      result = await runRefresh({ models, dataSources, log }, doc._id, {
        stopping: () => stopping,
        onProgress: (run) => {
          bar.setTotal(run.total);
          bar.update(run.done);
        },
      });
    } catch (error) {
      if (!(error instanceof RefreshInterrupted)) throw error;
      result = (await models.IndicatorRefresh.findById(doc._id).lean<IndicatorRefreshDoc>()) ?? doc;
      process.exitCode = 130;
    } finally {
      bar.stop();
      process.off('SIGINT', interrupt);
    }
    printJson({
      id: `${result._id}`, indicators: result.indicators, area: result.area, resumed, state: stopping ? 'interrupted' : result.state,
      total: result.total, done: result.done, failed: result.failed, seconds: Math.round((Date.now() - started) / 10) / 100,
    });
  });

export function registerIndicators(program: Command): void {
  const cmd = program.command('indicators').description('eligibility indicators; prints a JSON summary on stdout');
  cmd
    .command('refresh')
    .description('recompute indicators (all by default) for everyone or one area, with a progress bar on stderr; resumes an unfinished run of the same indicators and area')
    .option('--indicator <name>', 'an indicator, e.g. age_years or dr.severity(vision); repeat for several', (value: string, previous: string[] = []) => [...previous, value])
    .option('--area <code>', 'only the individuals of this area')
    .action(refresh);
}
