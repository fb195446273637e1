import { DateScalar, DateTimeScalar } from '../scalars';
import { dataSourceResolvers } from './dataSources';
import { identifierResolvers } from './identifiers';
import { partnerResolvers } from './partners';
import { entityResolvers, registryResolvers } from './registry';
import { typeResolvers } from './types';

export const resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  ...typeResolvers,
  PartnerSigningProfile: partnerResolvers.PartnerSigningProfile,
  Query: { ...registryResolvers.Query, ...identifierResolvers.Query, ...partnerResolvers.Query, ...dataSourceResolvers.Query },
  Mutation: { ...registryResolvers.Mutation, ...identifierResolvers.Mutation, ...partnerResolvers.Mutation, ...dataSourceResolvers.Mutation },
};

export { entityResolvers };
