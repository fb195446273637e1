import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import type { CrvsImportDoc } from '../../store/models/crvsImport';
import { partnerDataSources, positiveInteger, printJson, withStore } from '../runtime';

interface ImportOptions {
  from: Date;
  to: Date;
  area?: string;
  dataSource?: string;
  pageSize?: number;
}

function day(text: string): Date {
  const date = new Date(`${text}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) {
    throw new InvalidArgumentError('must be a date YYYY-MM-DD.');
  }
  return date;
}

/**
 * Runs the import in this process (the same code the gateway's job runs), resuming an unfinished
 * import of the same range; Ctrl-C stops it after the current batch, to be resumed by running the
 * same command again.
 */
function importCommand(kind: CrvsImportDoc['kind']) {
  return (opts: ImportOptions) =>
    withStore(async (session) => {
      const { models } = session;
      const [dataSources, { ImportInterrupted, openImport, runImport, totalPages, totals }, { crvsSourceName }] = await Promise.all([
        partnerDataSources(session),
        import('../../crvs/imports'),
        import('../../crvs/sources'),
      ]);
      const dataSource = await crvsSourceName(models, opts.dataSource);
      const { doc, resumed } = await openImport(models, { kind, dataSource, from: opts.from, to: opts.to, area: opts.area, pageSize: opts.pageSize }, new Date());
      let stopping = false;
      const interrupt = () => (stopping = true);
      process.once('SIGINT', interrupt);
      const bar = new SingleBar({ stream: process.stderr, format: `importing ${kind} [{bar}] {percentage}% | page {value}/{total} | {duration}s` }, Presets.shades_classic);
      bar.start(totalPages(doc) ?? 1, doc.pagesDone);
      const started = Date.now();
      let result: CrvsImportDoc = doc;
      try {
        result = await runImport(
          {
            models,
            client: await dataSources.client(dataSource),
            stopping: () => stopping,
            onProgress: (progress) => {
              bar.setTotal(totalPages(progress) ?? 1);
              bar.update(progress.pagesDone);
            },
          },
          doc._id,
        );
      } catch (error) {
        if (!(error instanceof ImportInterrupted)) throw error;
        result = (await models.CrvsImport.findById(doc._id).lean()) ?? doc;
        process.exitCode = 130;
      } finally {
        bar.stop();
        process.off('SIGINT', interrupt);
      }
      printJson({
        id: `${result._id}`, kind, dataSource, resumed, state: stopping ? 'interrupted' : result.state,
        pagesDone: result.pagesDone, totalPages: totalPages(result) ?? null, totalCount: result.totalCount ?? null,
        ...totals(result), seconds: Math.round((Date.now() - started) / 10) / 100,
      });
    });
}

export function registerImport(program: Command): void {
  const cmd = program.command('import').description('import records from partner registries; prints a JSON summary on stdout');
  const common = (sub: Command) =>
    sub
      .requiredOption('--from <date>', 'first day of the range (YYYY-MM-DD)', day)
      .requiredOption('--to <date>', 'last day of the range (YYYY-MM-DD)', day)
      .option('--area <code>', 'only records of this area (sub-region code)')
      .option('--data-source <name>', 'the CRVS data source (default: the only active one)')
      .option('--page-size <n>', 'records per page, at most 100', positiveInteger);
  common(cmd.command('crvs').description('import the births of a date range: new individuals, households, review items')).action(importCommand('births'));
  common(cmd.command('crvs-deaths').description('apply the deaths of a date range: deceased status, DRN, event history')).action(importCommand('deaths'));
}
