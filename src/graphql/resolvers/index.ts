import { DateScalar, DateTimeScalar } from '../scalars';
import { identifierResolvers } from './identifiers';
import { entityResolvers, registryResolvers } from './registry';
import { typeResolvers } from './types';

export const resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  ...typeResolvers,
  Query: { ...registryResolvers.Query, ...identifierResolvers.Query },
  Mutation: { ...registryResolvers.Mutation, ...identifierResolvers.Mutation },
};

export { entityResolvers };
