/**
 * A partner's `callbackAuth`: what our callbacks and notifications present at its receiver endpoints.
 * Same shape, rules and sealing as a data source's `auth` (src/dataSources/sealedAuth.ts). OAuth2
 * tokens come from the outbound client's token request and cache, one cache per partner, so a token
 * is reused across deliveries and refreshed once, before it expires or after the partner refuses it.
 */
import { GatewayError } from '../errors';
import { openAuth, PublicAuth, publicAuth, sealAuth, SealContext } from '../dataSources/sealedAuth';
import type { SecretBox } from '../dataSources/secretBox';
import type { OutboundAuthDoc } from '../store/models/outboundAuth';
import type { PartnerDoc } from '../store/models/partner';
import type { ClientAuth } from '../../adapters/dci/client/dataSource';
import { requestToken } from '../../adapters/dci/client/oauth2';
import { TokenCache } from '../../adapters/dci/client/tokenCache';
import type { CallbackCredentials } from '../../adapters/dci/server/partners';
import { outboundAuth, OutboundAuthInput } from './input';

/** Per token request, as per callback attempt. */
const TOKEN_TIMEOUT_MS = 10_000;

const sealContext = (senderId: string): SealContext => (field) => `partner:${senderId}:callback:${field}`;

/** Checks and seals `callbackAuth` input; the box is needed only when there is a secret to seal. */
export function sealCallbackAuth(senderId: string, raw: OutboundAuthInput | null | undefined, box: SecretBox | undefined): OutboundAuthDoc {
  const auth = outboundAuth('callbackAuth', raw);
  if (auth.type === 'none') return { type: 'none' };
  if (!box) throw new GatewayError('INTERNAL_SERVER_ERROR', 'partner callback credentials cannot be sealed without the secret box');
  return sealAuth(auth, box, sealContext(senderId));
}

/** Partners registered before callback credentials existed have none, as before. */
const storedAuth = (partner: Pick<PartnerDoc, 'callbackAuth'>): OutboundAuthDoc => partner.callbackAuth ?? { type: 'none' };

export const publicCallbackAuth = (partner: Pick<PartnerDoc, 'callbackAuth'>): PublicAuth => publicAuth(storedAuth(partner));

/**
 * The secrets are opened on the first delivery, not when the partner is looked up, so an inbound
 * request never depends on them; they live in this closure only.
 */
function credentialsOf(partner: PartnerDoc, box: SecretBox): CallbackCredentials {
  let clear: ClientAuth | undefined;
  let tokens: TokenCache | undefined;
  return {
    async token() {
      clear ??= openAuth(storedAuth(partner), box, sealContext(partner.senderId));
      if (clear.type === 'none') return undefined;
      if (clear.type === 'bearer') return clear.token;
      const credentials = clear;
      tokens ??= new TokenCache(() => requestToken(credentials, { timeoutMs: TOKEN_TIMEOUT_MS, fetch }));
      return tokens.get();
    },
    refused(token) {
      // A static token cannot be refreshed: the delivery job's backoff retries it.
      if (!tokens) return false;
      tokens.invalidate(token);
      return true;
    },
  };
}

/** The credentials of each partner, kept while the partner is unchanged so its OAuth2 token cache persists across deliveries. */
export function callbackCredentials(box: SecretBox): (partner: PartnerDoc) => CallbackCredentials {
  const byPartner = new Map<string, { version: number; credentials: CallbackCredentials }>();
  return (partner) => {
    const version = partner.updatedAt.getTime();
    const cached = byPartner.get(partner.senderId);
    if (cached?.version === version) return cached.credentials;
    const credentials = credentialsOf(partner, box);
    byPartner.set(partner.senderId, { version, credentials });
    return credentials;
  };
}
