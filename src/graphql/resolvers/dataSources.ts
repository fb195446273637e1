/** Root fields of the data-source registry: thin calls into src/dataSources. */
import * as dataSources from '../../dataSources/service';
import { settingsOf } from '../../dataSources/settings';
import { givenFields } from '../givenFields';
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
      const doc = await dataSources.addDataSource(ctx.models, settingsOf(ctx.models.DataSource.db), input, ctx.now);
      ctx.log.info({ dataSource: doc.name, by: ctx.principal?.subject }, 'data source created');
      return dataSources.publicDataSource(doc);
    },
    updateDataSource: async (_, { name, input }, ctx) => {
      const doc = await dataSources.updateDataSource(ctx.models, settingsOf(ctx.models.DataSource.db), name, input, ctx.now);
      ctx.log.info({ dataSource: name, fields: givenFields(input), by: ctx.principal?.subject }, 'data source updated');
      return dataSources.publicDataSource(doc);
    },
    disableDataSource: async (_, { name }, ctx) => {
      const doc = await dataSources.disableDataSource(ctx.models, name, ctx.now);
      ctx.log.info({ dataSource: name, by: ctx.principal?.subject }, 'data source disabled');
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
