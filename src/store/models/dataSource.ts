/**
 * Partner registries the gateway consumes through the outbound DCI client (CRVS, IBR, DR, social).
 * Secrets needed in clear to call the partner (static bearer token, OAuth2 client secret) are kept
 * sealed (./outboundAuth.ts), never in plain text.
 */
import mongoose, { Schema, Types } from 'mongoose';
import { REGISTRY_KINDS, RegistryKind } from '../../../adapters/dci/client/dataSource';
import { ENCRYPTION_POLICIES, type EncryptionPolicy } from '../../../adapters/dci/protocol/encryption';
import type { SigningProfileName } from '../../../adapters/dci/protocol/signing';
import { modelOn } from './common';
import { OutboundAuthDoc, outboundAuthSchema } from './outboundAuth';
import { PartnerJwk, SIGNING_PROFILES } from './partner';

export const DATA_SOURCE_STATUSES = ['active', 'disabled'] as const;
export type DataSourceStatus = (typeof DATA_SOURCE_STATUSES)[number];

export interface DataSourceQuirksDoc {
  consent?: { purposeText: string; purposeCode: string; purposeRefUri?: string };
  locale?: string;
  lowerCaseEventTypes: boolean;
}

export interface DataSourceDoc {
  _id: Types.ObjectId;
  name: string;
  kind: RegistryKind;
  baseUrl: string;
  auth: OutboundAuthDoc;
  senderId: string;
  callbackBase: string;
  receiverId: string;
  publicKeys: PartnerJwk[];
  jwksUrl?: string;
  signingProfile: SigningProfileName;
  /** The registry's public encryption key (`use: enc`): what our requests are encrypted to. */
  encryptionKey?: PartnerJwk;
  /** Absent on data sources stored before encryption: `never`. */
  encryptionPolicy?: EncryptionPolicy;
  timeoutMs: number;
  rateLimitPerMinute: number;
  maxItemsPerEnvelope: number;
  /** Absent on data sources stored before it could be set: the default, 30. */
  breakerCoolDownSeconds?: number;
  status: DataSourceStatus;
  quirks: DataSourceQuirksDoc;
  createdAt: Date;
  updatedAt: Date;
}

const jwkSchema = new Schema<PartnerJwk>(
  { kid: { type: String, required: true }, kty: { type: String, required: true }, crv: String, x: String, y: String, n: String, e: String, alg: String, use: String },
  { _id: false },
);

const quirksSchema = new Schema<DataSourceQuirksDoc>(
  {
    consent: { type: new Schema({ purposeText: String, purposeCode: String, purposeRefUri: String }, { _id: false }), default: undefined },
    locale: String,
    lowerCaseEventTypes: { type: Boolean, required: true, default: false },
  },
  { _id: false },
);

const dataSourceSchema = new Schema<DataSourceDoc>(
  {
    name: { type: String, required: true },
    kind: { type: String, enum: REGISTRY_KINDS, required: true },
    baseUrl: { type: String, required: true },
    auth: { type: outboundAuthSchema, required: true },
    senderId: { type: String, required: true },
    callbackBase: { type: String, required: true },
    receiverId: { type: String, required: true },
    publicKeys: { type: [jwkSchema], default: [] },
    jwksUrl: String,
    // No default: verifying nothing (`none`) must be chosen explicitly.
    signingProfile: { type: String, enum: SIGNING_PROFILES, required: true },
    encryptionKey: jwkSchema,
    encryptionPolicy: { type: String, enum: ENCRYPTION_POLICIES },
    timeoutMs: { type: Number, required: true },
    rateLimitPerMinute: { type: Number, required: true },
    maxItemsPerEnvelope: { type: Number, required: true },
    breakerCoolDownSeconds: Number,
    status: { type: String, enum: DATA_SOURCE_STATUSES, required: true, default: 'active' },
    quirks: { type: quirksSchema, required: true, default: () => ({ lowerCaseEventTypes: false }) },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'dataSources', versionKey: false },
);
dataSourceSchema.index({ name: 1 }, { unique: true });

export const dataSourceModel = (c: mongoose.Connection) => modelOn(c, 'DataSource', dataSourceSchema);
