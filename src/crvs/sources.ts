/** Which CRVS data source a flow uses: the one named, or the only active one of kind crvs. */
import type { DciClient } from '../../adapters/dci/client';
import { badInput, GatewayError } from '../errors';
import { unknownDataSource } from '../dataSources/service';
import type { DataSourceClients } from '../dataSources/wiring';
import type { RegistryModels } from '../store/models';

export async function crvsSourceName(models: RegistryModels, name?: string | null): Promise<string> {
  if (name) {
    const doc = await models.DataSource.findOne({ name }, { kind: 1 }).lean();
    if (!doc) throw unknownDataSource(name);
    if (doc.kind !== 'crvs') throw badInput('dataSource', `is a ${doc.kind} registry, not a CRVS one`);
    return name;
  }
  const active = await models.DataSource.find({ kind: 'crvs', status: 'active' }, { name: 1 }).lean();
  if (active.length === 1) return active[0].name;
  throw new GatewayError('BAD_USER_INPUT', active.length === 0 ? 'no active CRVS data source is configured' : 'several CRVS data sources are active: name one', { field: 'dataSource' });
}

export async function crvsClient(models: RegistryModels, clients: DataSourceClients, name?: string | null): Promise<DciClient> {
  return clients.client(await crvsSourceName(models, name));
}
