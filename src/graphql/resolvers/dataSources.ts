/** Root fields of the data-source registry: thin calls into src/dataSources. */
import { recordChange } from '../../audit/configChanges';
import * as dataSources from '../../dataSources/service';
import { settingsOf } from '../../dataSources/settings';
import { operator } from '../context';
import type { DataSourceCircuitState, DataSourceResolvers, MutationResolvers, QueryResolvers } from '../generated/types';

export const dataSourceResolvers = {
  Query: {
    dataSources: async (_, __, ctx) => (await dataSources.listDataSources(ctx.models)).map(dataSources.publicDataSource),
    dataSource: async (_, { name }, ctx) => {
      const doc = await dataSources.findDataSource(ctx.models, name);
      return doc && dataSources.publicDataSource(doc);
    },
  } satisfies QueryResolvers,
  Mutation: {
    createDataSource: async (_, { input }, ctx) => {
      const doc = await recordChange(ctx, operator(ctx), { target: 'data_source', name: input.name, action: 'created', input }, () =>
        dataSources.addDataSource(ctx.models, settingsOf(ctx.models.DataSource.db), input, ctx.now),
      );
      return dataSources.publicDataSource(doc);
    },
    updateDataSource: async (_, { name, input }, ctx) => {
      const doc = await recordChange(ctx, operator(ctx), { target: 'data_source', name, action: 'updated', input }, () =>
        dataSources.updateDataSource(ctx.models, settingsOf(ctx.models.DataSource.db), name, input, ctx.now),
      );
      return dataSources.publicDataSource(doc);
    },
    disableDataSource: async (_, { name }, ctx) => {
      const doc = await recordChange(ctx, operator(ctx), { target: 'data_source', name, action: 'disabled' }, () => dataSources.disableDataSource(ctx.models, name, ctx.now));
      return dataSources.publicDataSource(doc);
    },
  } satisfies MutationResolvers,
  DataSource: {
    circuit: (source, _, ctx) => {
      const state = ctx.dataSources.circuits().find((c) => c.dataSource === source.name)?.state;
      // GraphQL names cannot hold `-` (codegen's enumValues would type this resolver's result as null).
      return state === undefined ? null : (state.replace('-', '_') as DataSourceCircuitState);
    },
  } satisfies DataSourceResolvers,
};
