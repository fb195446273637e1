import type { DataSourceClients } from '../dataSources/wiring';
import type { Logger } from '../log';
import type { RegistryModels } from '../store/models';

/** What computing indicators needs: the registry, the partner clients, a log. A GraphQL context is one. */
export interface IndicatorDeps {
  models: RegistryModels;
  dataSources: DataSourceClients;
  log: Logger;
}
