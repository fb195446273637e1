/** The DCI adapters' view of partners (adapters/dci/server/partners.ts), backed by the partner registry. */
import type { EncryptionSettings } from '../../adapters/dci/protocol/encryption';
import type { CallbackCredentials, InboundPartner, PartnerDirectory } from '../../adapters/dci/server/partners';
import type { SecretBox } from '../dataSources/secretBox';
import { freshReads } from '../store/freshReads';
import type { PartnerDoc } from '../store/models/partner';
import { callbackCredentials } from './callbackAuth';
import type { PartnerKeySource } from './keyResolver';
import { findBySenderId, partnerDisclosure, partnerPurposes, PartnerModels } from './service';
import type { SharedRateLimiter } from './sharedRateLimiter';

const toInbound = (p: PartnerDoc, credentials: CallbackCredentials, keysOf: PartnerKeySource): InboundPartner => ({
  senderId: p.senderId,
  signingProfile: p.signingProfile,
  callbackBase: p.callbackBase,
  callbackCredentials: credentials,
  queryAttributes: p.queryAttributes,
  disclosure: partnerDisclosure(p),
  purposes: partnerPurposes(p),
  scopes: p.scopes,
  rateLimitPerMinute: p.rateLimitPerMinute,
  keys: keysOf(p),
  encryption: encryptionOf(p),
});

/** A key registered under the `never` policy stays unused until the policy changes. */
function encryptionOf(p: PartnerDoc): EncryptionSettings {
  const policy = p.encryptionPolicy ?? 'never';
  return policy !== 'never' && p.encryptionKey ? { policy, encryptTo: { kid: p.encryptionKey.kid, jwk: { ...p.encryptionKey } } } : { policy };
}

/**
 * `box` opens the partners' sealed callback credentials. Each call gets a read of the partner that
 * started after the call, and nothing is kept between messages, so a disabled partner or a revoked
 * key is refused from the next message on. Calls made while a read of the same partner is out share
 * the next one (`freshReads`): under load, one read serves a partner's messages that came meanwhile.
 */
export function partnerDirectory(deps: { models: PartnerModels; box: SecretBox; keysOf: PartnerKeySource; limiter: SharedRateLimiter }): PartnerDirectory {
  const credentialsOf = callbackCredentials(deps.box);
  const partnerOf = freshReads((senderId: string) => findBySenderId(deps.models, senderId));
  return {
    async active(senderId) {
      const partner = await partnerOf(senderId);
      return partner && partner.status === 'active' ? toInbound(partner, credentialsOf(partner), deps.keysOf) : undefined;
    },
    admit(partner) {
      return deps.limiter.take(partner.senderId, partner.rateLimitPerMinute);
    },
  };
}
