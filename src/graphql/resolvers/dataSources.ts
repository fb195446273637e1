/** Root fields of the data-source registry: thin calls into src/dataSources. */
import * as dataSources from '../../dataSources/service';
import { settingsOf } from '../../dataSources/settings';
import type { Context } from '../context';
import type { Args } from './registry';

export const dataSourceResolvers = {
  Query: {
    dataSources: async (_: unknown, __: Args, ctx: Context) => (await dataSources.listDataSources(ctx.models)).map(dataSources.publicDataSource),
    dataSource: async (_: unknown, { name }: Args, ctx: Context) => {
      const doc = await dataSources.findDataSource(ctx.models, name);
      return doc && dataSources.publicDataSource(doc);
    },
  },
  Mutation: {
    createDataSource: async (_: unknown, { input }: Args, ctx: Context) => {
      const doc = await dataSources.addDataSource(ctx.models, settingsOf(ctx.models.DataSource.db), input, ctx.now);
      ctx.log.info({ dataSource: doc.name, by: ctx.principal?.subject }, 'data source created');
      return dataSources.publicDataSource(doc);
    },
    disableDataSource: async (_: unknown, { name }: Args, ctx: Context) => {
      const doc = await dataSources.disableDataSource(ctx.models, name, ctx.now);
      ctx.log.info({ dataSource: name, by: ctx.principal?.subject }, 'data source disabled');
      return dataSources.publicDataSource(doc);
    },
  },
};
