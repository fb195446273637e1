/** The data-source registry: onboarding, listing, disabling, and the client configuration in clear. */
import type mongoose from 'mongoose';
import { badInput, conflict, notFound } from '../errors';
import type { DataSourceConfig } from '../../adapters/dci/client/dataSource';
import type { DataSourceAuthDoc, DataSourceDoc } from '../store/models/dataSource';
import * as input from './input';
import type { AuthInput, QuirksInput } from './input';
import type { DataSourceSettings } from './settings';

export interface DataSourceModels {
  DataSource: mongoose.Model<DataSourceDoc>;
}

export interface DataSourceInput {
  name: string;
  kind: string;
  baseUrl: string;
  auth?: AuthInput | null;
  /** Defaults to the gateway's DCI_SENDER_ID. */
  senderId?: string | null;
  callbackBase: string;
  receiverId: string;
  publicKeys?: unknown[] | null;
  jwksUrl?: string | null;
  /** Defaults to `default`; `none` (replies not verified) only when asked for. */
  signingProfile?: string | null;
  timeoutMs?: number | null;
  rateLimitPerMinute?: number | null;
  maxItemsPerEnvelope?: number | null;
  quirks?: QuirksInput | null;
}

/** A data source as shown to an administrator: no secret, sealed or not. */
export type PublicDataSource = Omit<DataSourceDoc, '_id' | 'auth'> & { id: string; auth: Omit<DataSourceAuthDoc, 'sealedToken' | 'sealedClientSecret'> };

/** Additional data binding a sealed secret to its record and field. */
const sealContext = (name: string, field: 'token' | 'clientSecret') => `dataSource:${name}:${field}`;
const isDuplicateKey = (error: unknown) => (error as { code?: number }).code === 11000;
const duplicate = (name: string) => conflict('DUPLICATE_DATA_SOURCE', `a data source named ${name} already exists`);

export function publicDataSource(doc: DataSourceDoc): PublicDataSource {
  const { _id, auth, ...rest } = doc;
  const { sealedToken: _token, sealedClientSecret: _secret, ...publicAuth } = auth;
  return { id: `${_id}`, ...rest, auth: publicAuth, publicKeys: doc.publicKeys.map((k) => ({ ...k })) };
}

function sealAuth(name: string, auth: ReturnType<typeof input.auth>, settings: DataSourceSettings): DataSourceAuthDoc {
  switch (auth.type) {
    case 'none':
      return { type: 'none' };
    case 'bearer':
      return { type: 'bearer', sealedToken: settings.box.seal(auth.token, sealContext(name, 'token')) };
    case 'oauth2': {
      const { clientSecret, ...rest } = auth;
      return { ...rest, sealedClientSecret: settings.box.seal(clientSecret, sealContext(name, 'clientSecret')) };
    }
  }
}

export async function addDataSource(models: DataSourceModels, settings: DataSourceSettings, raw: DataSourceInput, now: Date): Promise<DataSourceDoc> {
  const name = input.dataSourceName('name', raw.name);
  const publicKeys = input.publicJwks('publicKeys', raw.publicKeys ?? []);
  const jwksUrl = raw.jwksUrl == null ? undefined : input.secureUrl('jwksUrl', raw.jwksUrl, { allowQuery: true });
  const signingProfile = input.signingProfileName('signingProfile', raw.signingProfile ?? 'default');
  if (signingProfile !== 'none' && publicKeys.length === 0 && !jwksUrl) {
    throw badInput('publicKeys', `or jwksUrl is required: replies signed with profile ${signingProfile} are verified with the registry's keys`);
  }
  const fields = {
    name,
    kind: input.registryKind('kind', raw.kind),
    baseUrl: input.secureUrl('baseUrl', raw.baseUrl, { allowQuery: false }).replace(/\/$/, ''),
    auth: sealAuth(name, input.auth('auth', raw.auth), settings),
    senderId: input.senderId('senderId', raw.senderId ?? settings.defaultSenderId),
    callbackBase: input.secureUrl('callbackBase', raw.callbackBase, { allowQuery: false }).replace(/\/$/, ''),
    receiverId: input.senderId('receiverId', raw.receiverId),
    publicKeys,
    ...(jwksUrl && { jwksUrl }),
    signingProfile,
    timeoutMs: input.timeoutMs('timeoutMs', raw.timeoutMs ?? input.DEFAULT_TIMEOUT_MS),
    rateLimitPerMinute: input.rateLimit('rateLimitPerMinute', raw.rateLimitPerMinute ?? input.DEFAULT_RATE_LIMIT_PER_MINUTE),
    maxItemsPerEnvelope: input.maxItemsPerEnvelope('maxItemsPerEnvelope', raw.maxItemsPerEnvelope ?? input.DEFAULT_MAX_ITEMS_PER_ENVELOPE),
    status: 'active' as const,
    quirks: input.quirks('quirks', raw.quirks),
  };
  if (await models.DataSource.exists({ name })) throw duplicate(name);
  try {
    return (await models.DataSource.create({ ...fields, createdAt: now, updatedAt: now })).toObject();
  } catch (error) {
    // The unique index decides when two admins add the same name at once.
    if (isDuplicateKey(error)) throw duplicate(name);
    throw error;
  }
}

export async function listDataSources(models: DataSourceModels): Promise<DataSourceDoc[]> {
  return models.DataSource.find({}).sort({ name: 1 }).lean<DataSourceDoc[]>();
}

export async function findDataSource(models: DataSourceModels, name: string): Promise<DataSourceDoc | null> {
  return models.DataSource.findOne({ name }).lean<DataSourceDoc>();
}

/** Idempotent; clients already built for it refuse further calls. */
export async function disableDataSource(models: DataSourceModels, name: string, now: Date): Promise<DataSourceDoc> {
  const disabled = await models.DataSource.findOneAndUpdate({ name, status: 'active' }, { $set: { status: 'disabled', updatedAt: now } }, { new: true }).lean<DataSourceDoc>();
  if (disabled) return disabled;
  const current = await findDataSource(models, name);
  if (!current) throw notFound('data source');
  return current;
}

/** The client's view of a stored data source, secrets opened. */
export function clientConfig(doc: DataSourceDoc, settings: DataSourceSettings): DataSourceConfig {
  const { auth } = doc;
  const clientAuth: DataSourceConfig['auth'] =
    auth.type === 'bearer'
      ? { type: 'bearer', token: settings.box.open(auth.sealedToken!, sealContext(doc.name, 'token')) }
      : auth.type === 'oauth2'
        ? {
            type: 'oauth2',
            tokenUrl: auth.tokenUrl!,
            clientId: auth.clientId!,
            clientSecret: settings.box.open(auth.sealedClientSecret!, sealContext(doc.name, 'clientSecret')),
            ...(auth.scope && { scope: auth.scope }),
            credentialLocation: auth.credentialLocation ?? 'body',
          }
        : { type: 'none' };
  return {
    name: doc.name,
    kind: doc.kind,
    baseUrl: doc.baseUrl,
    auth: clientAuth,
    senderId: doc.senderId,
    callbackBase: doc.callbackBase,
    receiverId: doc.receiverId,
    publicKeys: doc.publicKeys.map(({ kid, ...jwk }) => ({ kid, jwk: { kid, ...jwk } })),
    ...(doc.jwksUrl && { jwksUrl: doc.jwksUrl }),
    signingProfile: doc.signingProfile,
    timeoutMs: doc.timeoutMs,
    rateLimitPerMinute: doc.rateLimitPerMinute,
    maxItemsPerEnvelope: doc.maxItemsPerEnvelope,
    quirks: doc.quirks,
  };
}
