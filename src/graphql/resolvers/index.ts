import type { Resolvers } from '../generated/types';
import { DateScalar, DateTimeScalar } from '../scalars';
import { auditResolvers } from './audit';
import { crvsResolvers } from './crvs';
import { dataSourceResolvers } from './dataSources';
import { dciResolvers } from './dci';
import { identifierResolvers } from './identifiers';
import { indicatorResolvers } from './indicators';
import { locationResolvers } from './locations';
import { partnerDataResolvers } from './partnerData';
import { partnerResolvers } from './partners';
import { programResolvers } from './programs';
import { entityResolvers, registryResolvers } from './registry';
import { socialRegistryResolvers } from './socialRegistry';
import { typeResolvers } from './types';

export const resolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  ...typeResolvers,
  ...crvsResolvers.types,
  ...dciResolvers.types,
  ...indicatorResolvers.types,
  ...locationResolvers.types,
  ...programResolvers.types,
  ...socialRegistryResolvers.types,
  Individual: { ...typeResolvers.Individual, ...partnerDataResolvers.Individual, ...crvsResolvers.Individual, ...indicatorResolvers.Individual, ...auditResolvers.Individual },
  PartnerSigningProfile: partnerResolvers.PartnerSigningProfile,
  DataSource: dataSourceResolvers.DataSource,
  Query: { ...registryResolvers.Query, ...identifierResolvers.Query, ...partnerResolvers.Query, ...dataSourceResolvers.Query, ...partnerDataResolvers.Query, ...crvsResolvers.Query, ...dciResolvers.Query, ...indicatorResolvers.Query, ...locationResolvers.Query, ...programResolvers.Query, ...auditResolvers.Query, ...socialRegistryResolvers.Query },
  Mutation: { ...registryResolvers.Mutation, ...identifierResolvers.Mutation, ...partnerResolvers.Mutation, ...dataSourceResolvers.Mutation, ...crvsResolvers.Mutation, ...indicatorResolvers.Mutation, ...locationResolvers.Mutation, ...programResolvers.Mutation, ...socialRegistryResolvers.Mutation },
};

export { entityResolvers };
