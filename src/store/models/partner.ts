/**
 * Partner systems allowed to call the DCI APIs: who they are (sender_id), how their messages are
 * verified (pinned keys or a JWKS URL, signing profile), where callbacks may go and how they
 * authenticate there, and the OAuth2 client credentials they exchange for tokens. The client secret
 * itself is never stored, only its scrypt hash.
 */
import mongoose, { Schema, Types } from 'mongoose';
import type { SigningProfileName } from '../../../adapters/dci/protocol/signing';
import { ENCRYPTION_POLICIES, type EncryptionPolicy } from '../../../adapters/dci/protocol/encryption';
import { DISCLOSED_FIELDS, DISCLOSURE_LEVELS, Disclosure } from '../../../adapters/dci/server/disclosure';
import { PURPOSE_REFUSALS, PurposePolicy } from '../../../adapters/dci/server/purpose';
import { modelOn } from './common';
import { OutboundAuthDoc, outboundAuthSchema } from './outboundAuth';

export const PARTNER_STATUSES = ['active', 'disabled'] as const;
export type PartnerStatus = (typeof PARTNER_STATUSES)[number];

/** The scopes a partner token may carry; the registry scopes are derived per search, never granted. */
export const PARTNER_SCOPES = ['dci:search', 'dci:subscribe', 'dci:callback'] as const;
export type PartnerScope = (typeof PARTNER_SCOPES)[number];

export const SIGNING_PROFILES = ['default', 'openspp', 'openg2p-jws', 'opencrvs-jws', 'none'] as const satisfies readonly SigningProfileName[];

export const DEFAULT_QUERY_ATTRIBUTES = [
  'UIN',
  'BRN',
  'NATIONAL_ID',
  'HOUSEHOLD_ID',
  'age',
  'birth_date',
  'sex',
  'location',
  'group_size',
  'poverty_score',
] as const;

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;

/** The public members of a JWK we keep; anything else (private members included) is never stored. */
export interface PartnerJwk {
  kid: string;
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  alg?: string;
  use?: string;
}

export interface PartnerDoc {
  _id: Types.ObjectId;
  /** The DCI `header.sender_id` this partner signs and sends as. */
  senderId: string;
  displayName: string;
  status: PartnerStatus;
  /** Pinned public keys; when any are pinned they are the only keys trusted (the JWKS URL is not fetched). */
  publicKeys: PartnerJwk[];
  jwksUrl?: string;
  signingProfile: SigningProfileName;
  /** Its public encryption key (`use: enc`): what our replies, callbacks and notifications are encrypted to. */
  encryptionKey?: PartnerJwk;
  /** Absent on partners stored before encryption: `never`. */
  encryptionPolicy?: EncryptionPolicy;
  /** Callback URLs in `header.sender_uri` must lie under this base. */
  callbackBase: string;
  /** What our callbacks and notifications present at the partner's receiver; absent means none. */
  callbackAuth?: OutboundAuthDoc;
  clientId: string;
  /** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
  clientSecretHash: string;
  scopes: PartnerScope[];
  /** DCI query attribute names this partner may search on. */
  queryAttributes: string[];
  /** Which personal fields of a record the partner receives; absent on partners stored before profiles. */
  disclosure?: Disclosure;
  /** What those older partners had instead: read through `partnerDisclosure`, removed by the next update. */
  pii?: boolean;
  /** The purposes it may give for personal data; absent: none registered, purposes recorded but not checked. */
  purposes?: PurposePolicy;
  rateLimitPerMinute: number;
  createdAt: Date;
  updatedAt: Date;
}

const jwkSchema = new Schema<PartnerJwk>(
  { kid: { type: String, required: true }, kty: { type: String, required: true }, crv: String, x: String, y: String, n: String, e: String, alg: String, use: String },
  { _id: false },
);

const level = { type: String, enum: DISCLOSURE_LEVELS, required: true };
const disclosureSchema = new Schema<Disclosure>(
  {
    ...Object.fromEntries(DISCLOSED_FIELDS.map((field) => [field, level])),
    identifiers: level,
    identifierTypes: { type: [new Schema({ type: { type: String, required: true }, level }, { _id: false })], default: [] },
  },
  { _id: false },
);

const purposesSchema = new Schema<PurposePolicy>(
  {
    codes: { type: [String], default: [] },
    required: { type: Boolean, required: true },
    refusal: { type: String, enum: PURPOSE_REFUSALS, required: true },
  },
  { _id: false },
);

const partnerSchema = new Schema<PartnerDoc>(
  {
    senderId: { type: String, required: true },
    displayName: { type: String, required: true },
    status: { type: String, enum: PARTNER_STATUSES, required: true, default: 'active' },
    publicKeys: { type: [jwkSchema], default: [] },
    jwksUrl: String,
    // No default: an unsigned partner must be configured explicitly, never by omission.
    signingProfile: { type: String, enum: SIGNING_PROFILES, required: true },
    encryptionKey: jwkSchema,
    encryptionPolicy: { type: String, enum: ENCRYPTION_POLICIES },
    callbackBase: { type: String, required: true },
    callbackAuth: outboundAuthSchema,
    clientId: { type: String, required: true },
    clientSecretHash: { type: String, required: true },
    scopes: { type: [String], enum: PARTNER_SCOPES, default: [] },
    queryAttributes: { type: [String], default: () => [...DEFAULT_QUERY_ATTRIBUTES] },
    disclosure: disclosureSchema,
    pii: Boolean,
    purposes: purposesSchema,
    rateLimitPerMinute: { type: Number, required: true, default: DEFAULT_RATE_LIMIT_PER_MINUTE },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'partners', versionKey: false },
);
partnerSchema.index({ senderId: 1 }, { unique: true });
partnerSchema.index({ clientId: 1 }, { unique: true });

export const partnerModel = (c: mongoose.Connection) => modelOn(c, 'Partner', partnerSchema);
