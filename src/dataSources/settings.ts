/**
 * What data-source administration needs beyond the database: the secret box and our default sender
 * id. GraphQL resolvers only see the models, so the settings are attached to the models' connection
 * by the wiring (or the CLI) that opened it.
 */
import type mongoose from 'mongoose';
import { GatewayError } from '../errors';
import type { SecretBox } from './secretBox';

export interface DataSourceSettings {
  box: SecretBox;
  /** `config.dciSenderId`: our sender id at a partner unless the data source names another. */
  defaultSenderId: string;
}

const byConnection = new WeakMap<mongoose.Connection, DataSourceSettings>();

export function attachSettings(connection: mongoose.Connection, settings: DataSourceSettings): void {
  byConnection.set(connection, settings);
}

export function settingsOf(connection: mongoose.Connection): DataSourceSettings {
  const settings = byConnection.get(connection);
  if (!settings) throw new GatewayError('INTERNAL_SERVER_ERROR', 'data sources are not configured on this gateway');
  return settings;
}
