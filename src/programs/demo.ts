/** The demo's sample programme, so `npm start` has a rule to evaluate (README, Programmes and eligibility). */
import type { Logger } from '../log';
import type { RegistryModels } from '../store/models';
import { createProgram } from './programs';

export const DEMO_PROGRAM = { name: 'Disability grant', rule: 'age_years >= 18 && dr.has_disability && !is_deceased' } as const;

/** Creates the sample programme unless a programme of that name exists (kept as an operator may have changed it). */
export async function ensureDemoProgram(models: RegistryModels, log: Logger, now = new Date()): Promise<void> {
  if (await models.Program.exists({ name: DEMO_PROGRAM.name })) return;
  try {
    const program = await createProgram(models, DEMO_PROGRAM, now, 'demo');
    log.info({ program: `${program._id}`, name: program.name }, 'demo programme created');
  } catch (error) {
    // Another process created it meanwhile: that is the outcome wanted.
    if ((error as { details?: { reason?: string } }).details?.reason !== 'DUPLICATE_NAME') throw error;
  }
}
