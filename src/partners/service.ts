/** The partner registry: onboarding, changes, credentials, and what a partner may do. */
import type mongoose from 'mongoose';
import { badInput, conflict, notFound } from '../errors';
import type { Logger } from '../log';
import { oneOf, text } from '../registry/input';
import type { PublicAuth } from '../dataSources/sealedAuth';
import type { SecretBox } from '../dataSources/secretBox';
import {
  DEFAULT_QUERY_ATTRIBUTES,
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  PARTNER_STATUSES,
  PartnerDoc,
  PartnerJwk,
  PartnerScope,
  SIGNING_PROFILES,
} from '../store/models/partner';
import type { SigningProfileName } from '../../adapters/dci/protocol/signing';
import { ENCRYPTION_POLICIES, type EncryptionPolicy } from '../../adapters/dci/protocol/encryption';
import { isDuplicateKey } from '../store/duplicateKey';
import { publicCallbackAuth, sealCallbackAuth } from './callbackAuth';
import { Disclosure, FULL_DISCLOSURE, MASKED_DISCLOSURE } from '../../adapters/dci/server/disclosure';
import { NO_PURPOSE_POLICY, PurposePolicy } from '../../adapters/dci/server/purpose';
import {
  disclosure,
  DisclosureInput,
  OutboundAuthInput,
  partnerScopes,
  publicEncryptionJwk,
  publicJwks,
  purposes,
  PurposesInput,
  queryAttributes,
  rateLimit,
  secureUrl,
  senderId as checkSenderId,
} from './input';
import { hashSecret, newClientId, newClientSecret, unmatchableHash, verifySecret } from './secrets';

/** Just the model this module needs, so callers can pass the whole registry or only this. */
export interface PartnerModels {
  Partner: mongoose.Model<PartnerDoc>;
}

export interface PartnerInput {
  senderId: string;
  displayName?: string | null;
  publicKeys?: unknown[] | null;
  jwksUrl?: string | null;
  /** Defaults to `default`; `none` only when asked for. */
  signingProfile?: string | null;
  /** Its public encryption JWK (`use: enc`); required by the `required` policy. */
  encryptionKey?: unknown | null;
  /** `never` (the default), `accepted` or `required`. */
  encryptionPolicy?: string | null;
  callbackBase: string;
  /** How our callbacks and notifications authenticate at the partner; defaults to none. */
  callbackAuth?: OutboundAuthInput | null;
  /** Defaults to `dci:search` only. */
  scopes?: string[] | null;
  queryAttributes?: string[] | null;
  /** The starting profile: true gives every field, false (the default) the masked one; `disclosure` changes it field by field. */
  pii?: boolean | null;
  disclosure?: DisclosureInput | null;
  /** The purposes it may give for personal data; defaults to none registered (purposes recorded, not checked). */
  purposes?: PurposesInput | null;
  rateLimitPerMinute?: number | null;
}

/** Absent or null leaves a field unchanged, except `jwksUrl: null` and `encryptionKey: null`, which remove them. */
export interface PartnerUpdate {
  displayName?: string | null;
  status?: string | null;
  publicKeys?: unknown[] | null;
  jwksUrl?: string | null;
  signingProfile?: string | null;
  encryptionKey?: unknown | null;
  encryptionPolicy?: string | null;
  callbackBase?: string | null;
  /** Replaces the stored credentials, secrets included. */
  callbackAuth?: OutboundAuthInput | null;
  scopes?: string[] | null;
  queryAttributes?: string[] | null;
  /** Starts the profile over from every field given (true) or the masked profile (false). */
  pii?: boolean | null;
  /** Changes the profile field by field (after `pii`, when both are given). */
  disclosure?: DisclosureInput | null;
  /** Changes the purposes member by member. */
  purposes?: PurposesInput | null;
  rateLimitPerMinute?: number | null;
}

export interface ClientCredentials {
  clientId: string;
  /** Shown once: only its hash is stored. */
  clientSecret: string;
}

/** A partner as it may be shown to an administrator: everything but the secret hash and the callback secrets. */
export type PublicPartner = Omit<PartnerDoc, '_id' | 'clientSecretHash' | 'callbackAuth' | 'pii' | 'disclosure' | 'purposes'> & {
  id: string;
  callbackAuth: PublicAuth;
  disclosure: Disclosure;
  purposes: PurposePolicy;
};

export const DEFAULT_PARTNER_SCOPES: readonly PartnerScope[] = ['dci:search'];

const duplicatePartner = (senderId: string) => conflict('DUPLICATE_PARTNER', `a partner with sender id ${senderId} is already registered`);

export function publicPartner(doc: PartnerDoc): PublicPartner {
  return {
    id: `${doc._id}`,
    senderId: doc.senderId,
    displayName: doc.displayName,
    status: doc.status,
    publicKeys: doc.publicKeys.map((k) => ({ ...k })),
    ...(doc.jwksUrl && { jwksUrl: doc.jwksUrl }),
    signingProfile: doc.signingProfile,
    ...(doc.encryptionKey && { encryptionKey: { ...doc.encryptionKey } }),
    encryptionPolicy: doc.encryptionPolicy ?? 'never',
    callbackBase: doc.callbackBase,
    callbackAuth: publicCallbackAuth(doc),
    clientId: doc.clientId,
    scopes: [...doc.scopes],
    queryAttributes: [...doc.queryAttributes],
    disclosure: partnerDisclosure(doc),
    purposes: partnerPurposes(doc),
    rateLimitPerMinute: doc.rateLimitPerMinute,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** A partner whose messages are signed needs keys to check them with. */
function requireVerificationKeys(profile: SigningProfileName, publicKeys: PartnerJwk[], jwksUrl: string | undefined): void {
  if (profile !== 'none' && publicKeys.length === 0 && !jwksUrl) {
    throw badInput('publicKeys', `or jwksUrl is required: signing profile ${profile} needs the partner's public keys`);
  }
}

/** Everything we send a partner under the `required` policy is encrypted: to its key. */
function requireEncryptionKey(policy: EncryptionPolicy, key: PartnerJwk | undefined): void {
  if (policy === 'required' && !key) throw badInput('encryptionKey', 'is required: encryption policy required encrypts everything sent to the partner');
}

/** `box` seals the secrets of `callbackAuth`; only needed when there are some. */
export async function createPartner(models: PartnerModels, input: PartnerInput, now: Date, box?: SecretBox): Promise<{ partner: PartnerDoc } & ClientCredentials> {
  const senderId = checkSenderId('senderId', input.senderId);
  const publicKeys = publicJwks('publicKeys', input.publicKeys ?? []);
  const jwksUrl = input.jwksUrl == null ? undefined : secureUrl('jwksUrl', input.jwksUrl, { allowQuery: true });
  const signingProfile = oneOf('signingProfile', input.signingProfile ?? 'default', SIGNING_PROFILES);
  requireVerificationKeys(signingProfile, publicKeys, jwksUrl);
  const encryptionKey = input.encryptionKey == null ? undefined : publicEncryptionJwk('encryptionKey', input.encryptionKey);
  const encryptionPolicy = oneOf('encryptionPolicy', input.encryptionPolicy ?? 'never', ENCRYPTION_POLICIES);
  requireEncryptionKey(encryptionPolicy, encryptionKey);
  const fields = {
    senderId,
    displayName: text('displayName', input.displayName, { max: 100 }) || senderId,
    status: 'active' as const,
    publicKeys,
    ...(jwksUrl && { jwksUrl }),
    signingProfile,
    ...(encryptionKey && { encryptionKey }),
    encryptionPolicy,
    callbackBase: secureUrl('callbackBase', input.callbackBase, { allowQuery: false }),
    callbackAuth: sealCallbackAuth(senderId, input.callbackAuth, box),
    scopes: partnerScopes('scopes', input.scopes ?? [...DEFAULT_PARTNER_SCOPES]),
    queryAttributes: queryAttributes('queryAttributes', input.queryAttributes ?? [...DEFAULT_QUERY_ATTRIBUTES]),
    disclosure: disclosure('disclosure', input.disclosure, presetDisclosure(input.pii ?? false)),
    purposes: purposes('purposes', input.purposes, NO_PURPOSE_POLICY),
    rateLimitPerMinute: rateLimit('rateLimitPerMinute', input.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE),
  };

  if (await models.Partner.exists({ senderId })) throw duplicatePartner(senderId);
  const clientId = newClientId();
  const clientSecret = newClientSecret();
  try {
    const created = await models.Partner.create({ ...fields, clientId, clientSecretHash: await hashSecret(clientSecret), createdAt: now, updatedAt: now });
    return { partner: created.toObject(), clientId, clientSecret };
  } catch (error) {
    // The unique index decides when two admins register the same sender at once.
    if (isDuplicateKey(error) && (await models.Partner.exists({ senderId }))) throw duplicatePartner(senderId);
    throw error;
  }
}

export async function listPartners(models: PartnerModels): Promise<PartnerDoc[]> {
  return models.Partner.find({}).sort({ senderId: 1 }).lean<PartnerDoc[]>();
}

export async function findBySenderId(models: PartnerModels, senderId: string): Promise<PartnerDoc | null> {
  return models.Partner.findOne({ senderId }).lean<PartnerDoc>();
}

async function existing(models: PartnerModels, senderId: string): Promise<PartnerDoc> {
  const partner = await findBySenderId(models, senderId);
  if (!partner) throw notFound('partner');
  return partner;
}

/** `box` seals the secrets of a new `callbackAuth`; only needed when there are some. */
export async function updatePartner(models: PartnerModels, senderId: string, input: PartnerUpdate, now: Date, box?: SecretBox): Promise<PartnerDoc> {
  const current = await existing(models, senderId);
  const changes: Partial<PartnerDoc> = {};
  if (input.displayName != null) changes.displayName = text('displayName', input.displayName, { required: true, max: 100 })!;
  if (input.status != null) changes.status = oneOf('status', input.status, PARTNER_STATUSES);
  if (input.publicKeys != null) changes.publicKeys = publicJwks('publicKeys', input.publicKeys);
  if (input.jwksUrl != null) changes.jwksUrl = secureUrl('jwksUrl', input.jwksUrl, { allowQuery: true });
  if (input.signingProfile != null) changes.signingProfile = oneOf('signingProfile', input.signingProfile, SIGNING_PROFILES);
  if (input.encryptionKey != null) changes.encryptionKey = publicEncryptionJwk('encryptionKey', input.encryptionKey);
  if (input.encryptionPolicy != null) changes.encryptionPolicy = oneOf('encryptionPolicy', input.encryptionPolicy, ENCRYPTION_POLICIES);
  if (input.callbackBase != null) changes.callbackBase = secureUrl('callbackBase', input.callbackBase, { allowQuery: false });
  if (input.callbackAuth != null) changes.callbackAuth = sealCallbackAuth(current.senderId, input.callbackAuth, box);
  if (input.scopes != null) changes.scopes = partnerScopes('scopes', input.scopes);
  if (input.queryAttributes != null) changes.queryAttributes = queryAttributes('queryAttributes', input.queryAttributes);
  const newDisclosure = input.pii != null || input.disclosure != null;
  if (newDisclosure) changes.disclosure = disclosure('disclosure', input.disclosure, input.pii != null ? presetDisclosure(input.pii) : partnerDisclosure(current));
  if (input.purposes != null) changes.purposes = purposes('purposes', input.purposes, partnerPurposes(current));
  if (input.rateLimitPerMinute != null) changes.rateLimitPerMinute = rateLimit('rateLimitPerMinute', input.rateLimitPerMinute);
  const removeJwksUrl = input.jwksUrl === null;
  requireVerificationKeys(
    changes.signingProfile ?? current.signingProfile,
    changes.publicKeys ?? current.publicKeys,
    removeJwksUrl ? undefined : (changes.jwksUrl ?? current.jwksUrl),
  );
  const removeEncryptionKey = input.encryptionKey === null;
  requireEncryptionKey(changes.encryptionPolicy ?? current.encryptionPolicy ?? 'never', removeEncryptionKey ? undefined : (changes.encryptionKey ?? current.encryptionKey));

  // A partner stored with the older pii flag loses it once it has a profile.
  const unset = { ...(removeJwksUrl && { jwksUrl: 1 }), ...(removeEncryptionKey && { encryptionKey: 1 }), ...(newDisclosure && { pii: 1 }) };
  // No transactions: the check above holds only if nobody changed the partner since it was read.
  const updated = await models.Partner.findOneAndUpdate(
    { _id: current._id, updatedAt: current.updatedAt },
    { $set: { ...changes, updatedAt: now }, ...(Object.keys(unset).length > 0 && { $unset: unset }) },
    { new: true },
  ).lean<PartnerDoc>();
  if (!updated) throw conflict('CONCURRENT_UPDATE', 'the partner was changed by someone else at the same time; try again');
  return updated;
}

/** Idempotent. Tokens issued before stay valid until they expire (an hour at most), so DCI routes must check the partner's status as well. */
export async function disablePartner(models: PartnerModels, senderId: string, now: Date): Promise<PartnerDoc> {
  const disabled = await models.Partner.findOneAndUpdate(
    { senderId, status: 'active' },
    { $set: { status: 'disabled', updatedAt: now } },
    { new: true },
  ).lean<PartnerDoc>();
  return disabled ?? existing(models, senderId);
}

/** A new secret for the same client id; the old secret stops working at once. */
export async function rotateClientSecret(models: PartnerModels, senderId: string, now: Date): Promise<ClientCredentials> {
  const clientSecret = newClientSecret();
  const updated = await models.Partner.findOneAndUpdate(
    { senderId },
    { $set: { clientSecretHash: await hashSecret(clientSecret), updatedAt: now } },
    { new: true },
  ).lean<PartnerDoc>();
  if (!updated) throw notFound('partner');
  return { clientId: updated.clientId, clientSecret };
}

/**
 * The active partner these credentials belong to, or undefined. An unknown client id costs the same
 * scrypt work as a known one, so response times do not reveal which client ids exist.
 */
export async function authenticateClient(models: PartnerModels, clientId: string, clientSecret: string): Promise<PartnerDoc | undefined> {
  const partner = clientId ? await models.Partner.findOne({ clientId }).lean<PartnerDoc>() : null;
  const matches = await verifySecret(clientSecret, partner?.clientSecretHash ?? (await unmatchableHash()));
  return matches && partner?.status === 'active' ? partner : undefined;
}

/** What the partner receives: its profile, or for a partner stored before profiles, what its pii flag gave. */
export function partnerDisclosure(partner: Pick<PartnerDoc, 'disclosure' | 'pii'>): Disclosure {
  return partner.disclosure ?? presetDisclosure(partner.pii === true);
}

/** The purposes it may give; a partner stored before purposes has none registered. */
export const partnerPurposes = (partner: Pick<PartnerDoc, 'purposes'>): PurposePolicy => partner.purposes ?? NO_PURPOSE_POLICY;

const presetDisclosure = (pii: boolean): Disclosure => (pii ? FULL_DISCLOSURE : MASKED_DISCLOSURE);

/** For gateway start: an active partner whose messages go unsigned deserves an operator's attention. */
export async function warnUnsignedPartners(models: PartnerModels, log: Logger): Promise<number> {
  const unsigned = await models.Partner.find({ status: 'active', signingProfile: 'none' }, { senderId: 1 }).lean<Pick<PartnerDoc, 'senderId'>[]>();
  for (const { senderId } of unsigned) {
    log.warn({ senderId }, 'partner accepts unsigned DCI messages (signing profile none)');
  }
  return unsigned.length;
}
