import type { Command } from 'commander';
import { registerAudit } from './audit';
import { registerDataSources } from './dataSources';
import { registerEligibility } from './eligibility';
import { registerImport } from './import';
import { registerIndicators } from './indicators';
import { registerKeys } from './keys';
import { registerPartners } from './partners';
import { registerPrograms } from './programs';
import { registerSandbox } from './sandbox';
import { registerSeed } from './seed';
import { registerServe } from './serve';
import { registerSocialRegistry } from './socialRegistry';
import { registerToken } from './token';

/** Every command, in the order `--help` lists them. */
export function registerCommands(program: Command): void {
  registerServe(program);
  registerToken(program);
  registerSeed(program);
  registerPartners(program);
  registerKeys(program);
  registerSandbox(program);
  registerDataSources(program);
  registerImport(program);
  registerSocialRegistry(program);
  registerIndicators(program);
  registerPrograms(program);
  registerEligibility(program);
  registerAudit(program);
}
