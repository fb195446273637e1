/** The data-source registry: onboarding, listing, disabling, and the client configuration in clear. */
import type mongoose from 'mongoose';
import { badInput, conflict, notFound } from '../errors';
import type { DataSourceConfig } from '../../adapters/dci/client/dataSource';
import type { EncryptionSettings } from '../../adapters/dci/protocol/encryption';
import { isDuplicateKey } from '../store/duplicateKey';
import type { DataSourceDoc } from '../store/models/dataSource';
import type { OutboundAuthInput } from '../partners/input';
import * as input from './input';
import type { QuirksInput } from './input';
import { openAuth, PublicAuth, publicAuth, sealAuth, SealContext } from './sealedAuth';
import type { DataSourceSettings } from './settings';

export interface DataSourceModels {
  DataSource: mongoose.Model<DataSourceDoc>;
}

export interface DataSourceInput {
  name: string;
  kind: string;
  baseUrl: string;
  auth?: OutboundAuthInput | null;
  /** Defaults to the gateway's DCI_SENDER_ID. */
  senderId?: string | null;
  callbackBase: string;
  receiverId: string;
  publicKeys?: unknown[] | null;
  jwksUrl?: string | null;
  /** Defaults to `default`; `none` (replies not verified) only when asked for. */
  signingProfile?: string | null;
  /** The registry's public encryption JWK (`use: enc`); required by the `required` policy. */
  encryptionKey?: unknown | null;
  /** `never` (the default), `accepted` or `required`, as for partners. */
  encryptionPolicy?: string | null;
  timeoutMs?: number | null;
  rateLimitPerMinute?: number | null;
  maxItemsPerEnvelope?: number | null;
  breakerCoolDownSeconds?: number | null;
  quirks?: QuirksInput | null;
}

/** A data source as shown to an administrator: no secret, sealed or not. */
export type PublicDataSource = Omit<DataSourceDoc, '_id' | 'auth'> & { id: string; auth: PublicAuth };

/** Additional data binding a sealed secret to its record and field. */
const sealContext = (name: string): SealContext => (field) => `dataSource:${name}:${field}`;
const duplicate = (name: string) => conflict('DUPLICATE_DATA_SOURCE', `a data source named ${name} already exists`);

export function publicDataSource(doc: DataSourceDoc): PublicDataSource {
  const { _id, auth, ...rest } = doc;
  return { id: `${_id}`, ...rest, auth: publicAuth(auth), publicKeys: doc.publicKeys.map((k) => ({ ...k })), encryptionPolicy: doc.encryptionPolicy ?? 'never', breakerCoolDownSeconds: coolDownOf(doc) };
}

/** How a data source is called, as opposed to where it is: what an operator tunes on a running one. */
const TUNING = {
  timeoutMs: { check: input.timeoutMs, byDefault: input.DEFAULT_TIMEOUT_MS },
  rateLimitPerMinute: { check: input.rateLimit, byDefault: input.DEFAULT_RATE_LIMIT_PER_MINUTE },
  maxItemsPerEnvelope: { check: input.maxItemsPerEnvelope, byDefault: input.DEFAULT_MAX_ITEMS_PER_ENVELOPE },
  breakerCoolDownSeconds: { check: input.breakerCoolDownSeconds, byDefault: input.DEFAULT_BREAKER_COOL_DOWN_SECONDS },
};
type TuningField = keyof typeof TUNING;
const TUNING_FIELDS = Object.keys(TUNING) as TuningField[];
type TuningChanges = Partial<Record<TuningField, number>>;
export type DataSourceTuning = Pick<DataSourceInput, TuningField>;

/** The settings given, checked; with `withDefaults`, every setting, the ones not given at their default. */
function tuningOf(raw: DataSourceTuning, withDefaults: boolean): TuningChanges {
  const changes: TuningChanges = {};
  for (const field of TUNING_FIELDS) {
    const value = raw[field] ?? (withDefaults ? TUNING[field].byDefault : undefined);
    if (value != null) changes[field] = TUNING[field].check(field, value);
  }
  return changes;
}

/** Where a registry is and how we reach it: what changes when it moves to another host or port. */
export type DataSourceAddress = Pick<DataSourceInput, 'baseUrl' | 'auth' | 'callbackBase' | 'receiverId' | 'jwksUrl'>;

function addressFields(name: string, raw: DataSourceAddress, settings: DataSourceSettings) {
  const jwksUrl = raw.jwksUrl == null ? undefined : input.secureUrl('jwksUrl', raw.jwksUrl, { allowQuery: true });
  return {
    baseUrl: input.secureUrl('baseUrl', raw.baseUrl, { allowQuery: false }).replace(/\/$/, ''),
    auth: sealAuth(input.outboundAuth('auth', raw.auth), settings.box, sealContext(name)),
    callbackBase: input.secureUrl('callbackBase', raw.callbackBase, { allowQuery: false }).replace(/\/$/, ''),
    receiverId: input.senderId('receiverId', raw.receiverId),
    ...(jwksUrl && { jwksUrl }),
  };
}

function requireReplyKeys(signingProfile: string, publicKeys: unknown[], jwksUrl: string | undefined): void {
  if (signingProfile !== 'none' && publicKeys.length === 0 && !jwksUrl) {
    throw badInput('publicKeys', `or jwksUrl is required: replies signed with profile ${signingProfile} are verified with the registry's keys`);
  }
}

export async function addDataSource(models: DataSourceModels, settings: DataSourceSettings, raw: DataSourceInput, now: Date): Promise<DataSourceDoc> {
  const name = input.dataSourceName('name', raw.name);
  const publicKeys = input.publicJwks('publicKeys', raw.publicKeys ?? []);
  const address = addressFields(name, raw, settings);
  const signingProfile = input.signingProfileName('signingProfile', raw.signingProfile ?? 'default');
  requireReplyKeys(signingProfile, publicKeys, address.jwksUrl);
  const encryptionKey = raw.encryptionKey == null ? undefined : input.publicEncryptionJwk('encryptionKey', raw.encryptionKey);
  const encryptionPolicy = input.encryptionPolicy('encryptionPolicy', raw.encryptionPolicy ?? 'never');
  if (encryptionPolicy === 'required' && !encryptionKey) throw badInput('encryptionKey', 'is required: encryption policy required encrypts every request to the registry');
  const fields = {
    name,
    kind: input.registryKind('kind', raw.kind),
    ...address,
    senderId: input.senderId('senderId', raw.senderId ?? settings.defaultSenderId),
    publicKeys,
    signingProfile,
    ...(encryptionKey && { encryptionKey }),
    encryptionPolicy,
    ...(tuningOf(raw, true) as Required<TuningChanges>),
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

/**
 * Points a data source at its registry's new address (no jwksUrl: none). The rest, its status
 * included, stays; clients built for the old address are rebuilt on their next use.
 */
export async function moveDataSource(models: DataSourceModels, settings: DataSourceSettings, name: string, raw: DataSourceAddress, now: Date): Promise<DataSourceDoc> {
  const current = await findDataSource(models, name);
  if (!current) throw notFound('data source');
  const address = addressFields(name, raw, settings);
  requireReplyKeys(current.signingProfile, current.publicKeys, address.jwksUrl);
  // No transactions: the check above holds only if nobody changed the data source since it was read.
  const moved = await models.DataSource.findOneAndUpdate(
    { _id: current._id, updatedAt: current.updatedAt },
    { $set: { ...address, updatedAt: now }, ...(!address.jwksUrl && { $unset: { jwksUrl: 1 } }) },
    { new: true },
  ).lean<DataSourceDoc>();
  if (!moved) throw conflict('CONCURRENT_UPDATE', 'the data source was changed by someone else at the same time; try again');
  return moved;
}

/** Changes only the settings given; clients built before are rebuilt on their next use. */
export async function tuneDataSource(models: DataSourceModels, name: string, raw: DataSourceTuning, now: Date): Promise<DataSourceDoc> {
  const changes = tuningOf(raw, false);
  if (Object.keys(changes).length === 0) throw badInput('input', `names no setting to change (${TUNING_FIELDS.join(', ')})`);
  const tuned = await models.DataSource.findOneAndUpdate({ name }, { $set: { ...changes, updatedAt: now } }, { new: true }).lean<DataSourceDoc>();
  if (!tuned) throw notFound('data source');
  return tuned;
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

const coolDownOf = (doc: DataSourceDoc) => doc.breakerCoolDownSeconds ?? input.DEFAULT_BREAKER_COOL_DOWN_SECONDS;

/** A key registered under the `never` policy stays unused until the policy changes. */
function encryptionOf(doc: DataSourceDoc): EncryptionSettings {
  const policy = doc.encryptionPolicy ?? 'never';
  return policy !== 'never' && doc.encryptionKey ? { policy, encryptTo: { kid: doc.encryptionKey.kid, jwk: { ...doc.encryptionKey } } } : { policy };
}

/** The client's view of a stored data source, secrets opened. */
export function clientConfig(doc: DataSourceDoc, settings: DataSourceSettings): DataSourceConfig {
  return {
    name: doc.name,
    kind: doc.kind,
    baseUrl: doc.baseUrl,
    auth: openAuth(doc.auth, settings.box, sealContext(doc.name)),
    senderId: doc.senderId,
    callbackBase: doc.callbackBase,
    receiverId: doc.receiverId,
    publicKeys: doc.publicKeys.map(({ kid, ...jwk }) => ({ kid, jwk: { kid, ...jwk } })),
    ...(doc.jwksUrl && { jwksUrl: doc.jwksUrl }),
    signingProfile: doc.signingProfile,
    encryption: encryptionOf(doc),
    timeoutMs: doc.timeoutMs,
    rateLimitPerMinute: doc.rateLimitPerMinute,
    maxItemsPerEnvelope: doc.maxItemsPerEnvelope,
    breakerCoolDownMs: coolDownOf(doc) * 1000,
    quirks: doc.quirks,
  };
}
