/** The social registry a flow talks to: a data source of kind `social`, named by the caller. */
import type { DciClient } from '../../adapters/dci/client';
import type { DataSourceClients } from '../dataSources/wiring';
import { badInput } from '../errors';
import { unknownDataSource } from '../dataSources/service';
import { text } from '../registry/input';
import type { RegistryModels } from '../store/models';

export async function socialRegistryClient(models: RegistryModels, clients: DataSourceClients, rawName: string): Promise<DciClient> {
  const name = text('dataSource', rawName, { required: true, max: 100 })!;
  const doc = await models.DataSource.findOne({ name }, { kind: 1 }).lean();
  if (!doc) throw unknownDataSource(name);
  if (doc.kind !== 'social') throw badInput('dataSource', `is a ${doc.kind} registry, not a social one`);
  return clients.client(name);
}
