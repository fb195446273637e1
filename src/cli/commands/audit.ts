import { Command, InvalidArgumentError, Option } from 'commander';
import { configChangeView, eachConfigChange } from '../../audit/configChanges';
import { disclosureView, eachDisclosure } from '../../audit/disclosures';
import { CHANGE_TARGETS, type ChangeTarget } from '../../store/models/configChange';
import { badOption, withStore } from '../runtime';

/** A date (YYYY-MM-DD, UTC midnight) or an ISO 8601 date-time with its offset. */
function instant(text: string): Date {
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError('must be a date (2026-12-01) or a date-time with its offset (2026-12-01T08:00:00Z).');
  }
  return date;
}

/** Waits for stdout to take more when it is full: an export of millions of lines must not sit in memory. */
const write = (line: string) => new Promise<void>((resolve) => (process.stdout.write(line) ? resolve() : process.stdout.once('drain', resolve)));

/** A range that ends before it starts, refused in the CLI's words before the engine starts (the audits check it again). */
function checkRange(range: { from?: Date; to?: Date }): void {
  if (range.from && range.to && range.from >= range.to) throw badOption('--to must be later than --from');
}

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the audits: which partner received whose data, which fields and why; who changed which partner or data source');

  audit
    .command('export')
    .description('print the disclosures from --from (inclusive) to --to (exclusive) as NDJSON, oldest first, one per line')
    .requiredOption('--from <time>', 'a date (UTC midnight) or a date-time with its offset', instant)
    .requiredOption('--to <time>', 'a date (UTC midnight) or a date-time with its offset', instant)
    .option('--partner <senderId>', "only this partner's")
    .action(async (opts: { from: Date; to: Date; partner?: string }) => {
      checkRange(opts);
      await withStore(async ({ models, log }) => {
        let count = 0;
        for await (const doc of eachDisclosure(models, { from: opts.from, to: opts.to, partner: opts.partner })) {
          await write(`${JSON.stringify(disclosureView(doc))}\n`);
          count++;
        }
        log.info({ disclosures: count }, 'disclosures exported');
      });
    });

  audit
    .command('changes')
    .description('print the configuration changes (partners, data sources: who, when, which fields, outcome) as NDJSON, oldest first, one per line')
    .option('--from <time>', 'from this time on (inclusive): a date (UTC midnight) or a date-time with its offset', instant)
    .option('--to <time>', 'before this time (exclusive)', instant)
    .addOption(new Option('--target <target>', 'only changes to partners or only to data sources').choices([...CHANGE_TARGETS]))
    .option('--name <name>', 'only those of this sender id or data source name')
    .action(async (opts: { from?: Date; to?: Date; target?: ChangeTarget; name?: string }) => {
      checkRange(opts);
      await withStore(async ({ models }) => {
        for await (const doc of eachConfigChange(models, opts)) await write(`${JSON.stringify(configChangeView(doc))}\n`);
      });
    });
}
