/** The partner serving one kind of registry (CRVS, IBR, DR, social), for flows that do not name a data source. */
import { GatewayError } from '../errors';
import type { DciClient } from '../../adapters/dci/client/client';
import type { RegistryKind } from '../../adapters/dci/client/dataSource';
import type { DataSourceModels } from './service';
import type { DataSourceClients } from './wiring';

/** The client of the first active data source of `kind` (oldest first, then by name); UNAVAILABLE (NO_DATA_SOURCE) when none. */
export async function clientFor(dataSources: DataSourceClients, models: DataSourceModels, kind: RegistryKind): Promise<DciClient> {
  const first = await models.DataSource.findOne({ kind, status: 'active' }, { name: 1 }).sort({ createdAt: 1, name: 1 }).lean<{ name: string }>();
  if (!first) throw new GatewayError('UNAVAILABLE', `no active ${kind} data source is configured`, { kind, reason: 'NO_DATA_SOURCE' });
  return dataSources.client(first.name);
}
