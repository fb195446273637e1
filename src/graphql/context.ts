import type { Actor } from '../audit/configChanges';
import { requireScopes, type Principal } from '../auth/principal';
import type { DataSourceClients } from '../dataSources/wiring';
import type { Logger } from '../log';
import type { RegistryModels } from '../store/models';
import { createLoaders, Loaders } from './loaders';

/** What every resolver sees: who is calling, the registry, and this request's loaders. */
export interface Context {
  principal: Principal | undefined;
  models: RegistryModels;
  loaders: Loaders;
  log: Logger;
  /** One clock reading per request, so a request sees one consistent "today". */
  now: Date;
  /** Clients of partner registries, for fields that bring partner data into the graph. */
  dataSources: DataSourceClients;
}

/** What a request's context is built from, besides who is calling. */
export interface ContextServices {
  models: RegistryModels;
  dataSources: DataSourceClients;
  log: Logger;
}

export function createContext(services: ContextServices, principal: Principal | undefined): Context {
  return { principal, models: services.models, dataSources: services.dataSources, loaders: createLoaders(services.models), log: services.log, now: new Date() };
}

/** The operator acting through GraphQL (the console too), for the configuration audit; admin fields are authenticated before they resolve. */
export const operator = (ctx: Context): Actor => ({ by: requireScopes(ctx.principal).subject, via: 'graphql' });
