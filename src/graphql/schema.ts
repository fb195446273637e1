/**
 * The one internal surface: the SDL files in schema/, resolvers attached with @graphql-tools/schema,
 * federation fields from @apollo/subgraph, then the auth rules.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { addResolversToSchema } from '@graphql-tools/schema';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import fs from 'node:fs';
import path from 'node:path';
import { GraphQLSchema, parse } from 'graphql';
import { projectRoot } from '../paths';
import { resolvers, entityResolvers } from './resolvers';
import { applyRules } from './rules';

export function readSdl(): string {
  const dir = path.join(projectRoot(), 'schema');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort((a, b) => (a === 'common.graphql' ? -1 : b === 'common.graphql' ? 1 : a.localeCompare(b)))
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
}

export function buildSchema(): GraphQLSchema {
  const federated = buildSubgraphSchema({ typeDefs: parse(readSdl()) });
  const withResolvers = addResolversToSchema({
    schema: federated,
    resolvers,
    resolverValidationOptions: { requireResolversToMatchSchema: 'error' },
    updateResolversInPlace: false,
  });
  // Entity lookups for `_entities` are read by @apollo/subgraph from the type's extensions.
  const withEntities = mapSchema(withResolvers, {
    [MapperKind.OBJECT_TYPE]: (type) => {
      const resolveReference = entityResolvers[type.name];
      if (!resolveReference) return type;
      const config = type.toConfig();
      return new (type.constructor as typeof import('graphql').GraphQLObjectType)({
        ...config,
        extensions: { ...config.extensions, apollo: { subgraph: { resolveReference } } },
      });
    },
  });
  return applyRules(withEntities);
}
