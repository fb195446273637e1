/** The models of the CRVS flows, spread into registryModels. */
import type mongoose from 'mongoose';
import { civilEventModel } from './crvsCivilEvent';
import { crvsHouseholdModel } from './crvsHousehold';
import { crvsImportModel } from './crvsImport';
import { crvsSubscriptionModel } from './crvsSubscription';
import { reviewItemModel } from './reviewItem';

export function crvsModels(c: mongoose.Connection) {
  return {
    CrvsImport: crvsImportModel(c),
    CrvsCivilEvent: civilEventModel(c),
    CrvsHousehold: crvsHouseholdModel(c),
    CrvsSubscription: crvsSubscriptionModel(c),
    CrvsReviewItem: reviewItemModel(c),
  };
}
