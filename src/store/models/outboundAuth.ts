/**
 * Credentials the gateway presents to a partner system: to a data source it calls, and to a partner
 * it sends callbacks and notifications to. Secrets needed in clear (static bearer token, OAuth2
 * client secret) are kept sealed with AES-256-GCM (src/dataSources/secretBox.ts), never in plain text.
 */
import { Schema } from 'mongoose';
import { CREDENTIAL_LOCATIONS, CredentialLocation } from '../../../adapters/dci/client/dataSource';

export const AUTH_TYPES = ['none', 'bearer', 'oauth2'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export interface OutboundAuthDoc {
  type: AuthType;
  /** Static bearer token, sealed. */
  sealedToken?: string;
  tokenUrl?: string;
  clientId?: string;
  /** OAuth2 client secret, sealed. */
  sealedClientSecret?: string;
  scope?: string;
  credentialLocation?: CredentialLocation;
}

export const outboundAuthSchema = new Schema<OutboundAuthDoc>(
  {
    type: { type: String, enum: AUTH_TYPES, required: true },
    sealedToken: String,
    tokenUrl: String,
    clientId: String,
    sealedClientSecret: String,
    scope: String,
    credentialLocation: { type: String, enum: CREDENTIAL_LOCATIONS },
  },
  { _id: false },
);
