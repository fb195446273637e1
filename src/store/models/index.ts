import mongoose from 'mongoose';
import { configChangeModel } from './configChange';
import { crvsModels } from './crvs';
import { dataSourceModel } from './dataSource';
import { disclosureModel } from './disclosure';
import { groupModel } from './group';
import { identifierClaimModel } from './identifier';
import { indicatorModels } from './indicators';
import { individualModel } from './individual';
import { locationModel } from './location';
import { membershipModel } from './membership';
import { outboxModel } from './outbox';
import { partnerModel } from './partner';
import { partnerFactModel } from './partnerFact';
import { programModels } from './program';
import { seedRunModel } from './seedRun';
import { socialRegistryModels } from './socialRegistry';
import { runClaimModel } from './runClaim';
import { versionClaimModel } from './versionClaim';
import { upgradeRegistry } from '../upgrade';

export function registryModels(c: mongoose.Connection) {
  return {
    Individual: individualModel(c),
    Group: groupModel(c),
    Membership: membershipModel(c),
    IdentifierClaim: identifierClaimModel(c),
    Outbox: outboxModel(c),
    Partner: partnerModel(c),
    VersionClaim: versionClaimModel(c),
    RunClaim: runClaimModel(c),
    DataSource: dataSourceModel(c),
    Location: locationModel(c),
    ...crvsModels(c),
    PartnerFact: partnerFactModel(c),
    Disclosure: disclosureModel(c),
    ConfigChange: configChangeModel(c),
    SeedRun: seedRunModel(c),
    ...programModels(c),
    ...indicatorModels(c),
    ...socialRegistryModels(c),
  };
}
export type RegistryModels = ReturnType<typeof registryModels>;

/**
 * Creates the declared indexes of the registry models and of every other model already defined on
 * the connection (autoIndex is off, so start-up order is explicit), then brings data written by an
 * older gateway to the current shape, so every way in (serve, CLI, tests) finds it there.
 */
export async function syncIndexes(c: mongoose.Connection): Promise<void> {
  registryModels(c);
  for (const model of Object.values(c.models)) await model.createIndexes();
  await upgradeRegistry(c);
}
