/** The DCI adapters' view of partners (adapters/dci/server/partners.ts), backed by the partner registry. */
import type { CallbackCredentials, InboundPartner, PartnerDirectory } from '../../adapters/dci/server/partners';
import type { SecretBox } from '../dataSources/secretBox';
import type { PartnerDoc } from '../store/models/partner';
import { callbackCredentials } from './callbackAuth';
import { PartnerRateLimiter } from './rateLimiter';
import { findBySenderId, PartnerModels } from './service';

const toInbound = (p: PartnerDoc, credentials: CallbackCredentials): InboundPartner => ({
  senderId: p.senderId,
  signingProfile: p.signingProfile,
  callbackBase: p.callbackBase,
  callbackCredentials: credentials,
  queryAttributes: p.queryAttributes,
  pii: p.pii,
  scopes: p.scopes,
  rateLimitPerMinute: p.rateLimitPerMinute,
});

/** `box` opens the partners' sealed callback credentials. */
export function partnerDirectory(models: PartnerModels, box: SecretBox, limiter = new PartnerRateLimiter()): PartnerDirectory {
  const credentialsOf = callbackCredentials(box);
  return {
    async active(senderId) {
      const partner = await findBySenderId(models, senderId);
      return partner && partner.status === 'active' ? toInbound(partner, credentialsOf(partner)) : undefined;
    },
    admit(partner) {
      return limiter.take(partner.senderId, partner.rateLimitPerMinute).allowed;
    },
  };
}
