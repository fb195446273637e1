/**
 * The one internal surface: the SDL files in schema/, resolvers attached with @graphql-tools/schema,
 * federation fields from @apollo/subgraph, then the auth rules.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { addResolversToSchema } from '@graphql-tools/schema';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import fs from 'node:fs';
import path from 'node:path';
import { GraphQLSchema, GraphQLUnionType, parse } from 'graphql';
import { badInput } from '../errors';
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
  return applyRules(representationsChecked(withEntities));
}

/**
 * `_entities` refuses a representation that names no entity of this graph as the client's mistake
 * (BAD_USER_INPUT): @apollo/subgraph would fail it as an internal error while resolving its type.
 * A known type with a bad or unknown id still resolves to null, as federation expects.
 */
function representationsChecked(schema: GraphQLSchema): GraphQLSchema {
  const union = schema.getType('_Entity');
  const entities = new Set(union instanceof GraphQLUnionType ? union.getTypes().map((type) => type.name) : []);
  const known = [...entities].join(', ');
  return mapSchema(schema, {
    [MapperKind.QUERY_ROOT_FIELD]: (field, name) => {
      if (name !== '_entities' || !field.resolve) return field;
      const resolve = field.resolve;
      return {
        ...field,
        resolve: (source, args: { representations: unknown[] }, ctx, info) => {
          args.representations.forEach((representation, i) => {
            const typename = (representation as { __typename?: unknown } | null)?.__typename;
            if (typeof typename !== 'string' || !entities.has(typename)) throw badInput(`representations[${i}].__typename`, `must name an entity of this graph: ${known}`);
          });
          return resolve(source, args, ctx, info);
        },
      };
    },
  });
}
