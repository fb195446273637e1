import type { Command } from 'commander';
import { createProgram, listPrograms } from '../../programs/programs';
import { checkRule, referenceText } from '../../programs/rule';
import type { ProgramDoc } from '../../store/models/program';
import { printJson, withStore } from '../runtime';

const summary = (p: ProgramDoc) => ({
  id: `${p._id}`,
  name: p.name,
  version: p.version,
  rule: p.rule,
  indicators: checkRule(p.rule).references.map(referenceText),
  updatedAt: p.updatedAt.toISOString(),
});

export function registerPrograms(program: Command): void {
  const programs = program.command('programs').description('manage programmes and their eligibility rules (CEL over the indicator catalogue)');

  programs
    .command('add')
    .description('create a programme; the rule is checked first (an error names its line and column); prints the programme as JSON')
    .requiredOption('--name <name>', 'unique programme name')
    .requiredOption('--rule <cel>', "eligibility rule, e.g. 'age_years >= 60 || (dr.has_disability && crvs.is_alive)'")
    .action(async (opts: { name: string; rule: string }) => {
      printJson(summary(await withStore(({ models }) => createProgram(models, { name: opts.name, rule: opts.rule }, new Date(), 'cli'))));
    });

  programs
    .command('list')
    .description('print every programme as JSON: name, current version and rule, the indicators it reads')
    .action(async () => {
      printJson((await withStore(({ models }) => listPrograms(models))).map(summary));
    });
}
