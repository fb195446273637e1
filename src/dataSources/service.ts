/** The data-source registry: onboarding, listing, disabling, and the client configuration in clear. */
import type mongoose from 'mongoose';
import { badInput, conflict, notFound } from '../errors';
import { oneOf } from '../registry/input';
import type { DataSourceConfig } from '../../adapters/dci/client/dataSource';
import type { EncryptionSettings } from '../../adapters/dci/protocol/encryption';
import { isDuplicateKey } from '../store/duplicateKey';
import { DATA_SOURCE_STATUSES, type DataSourceDoc } from '../store/models/dataSource';
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
type DataSourceTuning = Pick<DataSourceInput, TuningField>;

/** The settings given, checked; with `withDefaults`, every setting, the ones not given at their default. */
function tuningOf(raw: DataSourceTuning, withDefaults: boolean): TuningChanges {
  const changes: TuningChanges = {};
  for (const field of TUNING_FIELDS) {
    const value = raw[field] ?? (withDefaults ? TUNING[field].byDefault : undefined);
    if (value != null) changes[field] = TUNING[field].check(field, value);
  }
  return changes;
}

/** The checked value of each field an operator may give for a data source (create or update). */
const FIELD = {
  baseUrl: (v: string) => input.secureUrl('baseUrl', v, { allowQuery: false }).replace(/\/$/, ''),
  callbackBase: (v: string) => input.secureUrl('callbackBase', v, { allowQuery: false }).replace(/\/$/, ''),
  receiverId: (v: string) => input.senderId('receiverId', v),
  senderId: (v: string) => input.senderId('senderId', v),
  publicKeys: (v: unknown[]) => input.publicJwks('publicKeys', v),
  jwksUrl: (v: string) => input.secureUrl('jwksUrl', v, { allowQuery: true }),
  signingProfile: (v: string) => input.signingProfileName('signingProfile', v),
  encryptionKey: (v: unknown) => input.publicEncryptionJwk('encryptionKey', v),
  encryptionPolicy: (v: string) => input.encryptionPolicy('encryptionPolicy', v),
};
const sealedAuth = (name: string, raw: DataSourceInput['auth'], settings: DataSourceSettings) => sealAuth(input.outboundAuth('auth', raw), settings.box, sealContext(name));

function requireReplyKeys(signingProfile: string, publicKeys: unknown[], jwksUrl: string | undefined): void {
  if (signingProfile !== 'none' && publicKeys.length === 0 && !jwksUrl) {
    throw badInput('publicKeys', `or jwksUrl is required: replies signed with profile ${signingProfile} are verified with the registry's keys`);
  }
}

function requireEncryptionKey(policy: string, key: unknown): void {
  if (policy === 'required' && !key) throw badInput('encryptionKey', 'is required: encryption policy required encrypts every request to the registry');
}

/** NOT_FOUND naming the data source, when the name asked for could be one. */
export function unknownDataSource(name: string) {
  return notFound(input.isDataSourceName(name) ? `data source ${name}` : 'data source');
}

export async function addDataSource(models: DataSourceModels, settings: DataSourceSettings, raw: DataSourceInput, now: Date): Promise<DataSourceDoc> {
  const name = input.dataSourceName('name', raw.name);
  const publicKeys = FIELD.publicKeys(raw.publicKeys ?? []);
  const jwksUrl = raw.jwksUrl == null ? undefined : FIELD.jwksUrl(raw.jwksUrl);
  const signingProfile = FIELD.signingProfile(raw.signingProfile ?? 'default');
  requireReplyKeys(signingProfile, publicKeys, jwksUrl);
  const encryptionKey = raw.encryptionKey == null ? undefined : FIELD.encryptionKey(raw.encryptionKey);
  const encryptionPolicy = FIELD.encryptionPolicy(raw.encryptionPolicy ?? 'never');
  requireEncryptionKey(encryptionPolicy, encryptionKey);
  const fields = {
    name,
    kind: input.registryKind('kind', raw.kind),
    baseUrl: FIELD.baseUrl(raw.baseUrl),
    auth: sealedAuth(name, raw.auth, settings),
    callbackBase: FIELD.callbackBase(raw.callbackBase),
    receiverId: FIELD.receiverId(raw.receiverId),
    ...(jwksUrl && { jwksUrl }),
    senderId: FIELD.senderId(raw.senderId ?? settings.defaultSenderId),
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

/** Every field but the name and the kind. Absent or null stays as it is, except jwksUrl: null and encryptionKey: null, which remove them. */
export type DataSourceUpdate = { [K in Exclude<keyof DataSourceInput, 'name' | 'kind'>]?: DataSourceInput[K] | null } & { status?: string | null };

/**
 * Changes only what is given: where the registry is (it moved), our credentials there (rotated), its
 * keys, how it is called, whether it is used (`status`). Each field is checked as at creation, and
 * the data source as a whole after the change. Clients built before are rebuilt on their next use.
 * A change that depends on the current settings (one quirk among the others) is given as a function
 * of them: it is computed from the same read that the write is guarded by, so no change made in
 * between is lost.
 */
export async function updateDataSource(
  models: DataSourceModels,
  settings: DataSourceSettings,
  name: string,
  update: DataSourceUpdate | ((current: DataSourceDoc) => DataSourceUpdate),
  now: Date,
): Promise<DataSourceDoc> {
  const current = await findDataSource(models, name);
  if (!current) throw unknownDataSource(name);
  const raw = typeof update === 'function' ? update(current) : update;
  const changes: Partial<DataSourceDoc> = {};
  for (const field of Object.keys(FIELD) as (keyof typeof FIELD)[]) {
    const value = raw[field];
    if (value != null) Object.assign(changes, { [field]: (FIELD[field] as (v: unknown) => unknown)(value) });
  }
  if (raw.auth != null) changes.auth = sealedAuth(name, raw.auth, settings);
  if (raw.status != null) changes.status = oneOf('status', raw.status, DATA_SOURCE_STATUSES);
  if (raw.quirks != null) changes.quirks = input.quirks('quirks', raw.quirks);
  Object.assign(changes, tuningOf(raw, false));
  const removeJwksUrl = raw.jwksUrl === null && current.jwksUrl !== undefined;
  const removeEncryptionKey = raw.encryptionKey === null && current.encryptionKey !== undefined;
  if (Object.keys(changes).length === 0 && raw.jwksUrl !== null && raw.encryptionKey !== null) throw badInput('input', 'names nothing to change');
  requireReplyKeys(changes.signingProfile ?? current.signingProfile, changes.publicKeys ?? current.publicKeys, removeJwksUrl ? undefined : (changes.jwksUrl ?? current.jwksUrl));
  requireEncryptionKey(changes.encryptionPolicy ?? current.encryptionPolicy ?? 'never', removeEncryptionKey ? undefined : (changes.encryptionKey ?? current.encryptionKey));

  const unset = { ...(removeJwksUrl && { jwksUrl: 1 }), ...(removeEncryptionKey && { encryptionKey: 1 }) };
  // Clients are rebuilt when updatedAt moves: it must, even for two changes within one millisecond.
  const updatedAt = new Date(Math.max(now.getTime(), current.updatedAt.getTime() + 1));
  // No transactions: the checks above hold only if nobody changed the data source since it was read.
  const updated = await models.DataSource.findOneAndUpdate(
    { _id: current._id, updatedAt: current.updatedAt },
    { $set: { ...changes, updatedAt }, ...(Object.keys(unset).length > 0 && { $unset: unset }) },
    { new: true },
  ).lean<DataSourceDoc>();
  if (!updated) throw conflict('CONCURRENT_UPDATE', 'the data source was changed by someone else at the same time; try again');
  return updated;
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
  if (!current) throw unknownDataSource(name);
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
