/** The DCI adapters' view of partners (adapters/dci/server/partners.ts), backed by the partner registry. */
import type { InboundPartner, PartnerDirectory } from '../../adapters/dci/server/partners';
import type { PartnerDoc } from '../store/models/partner';
import { PartnerRateLimiter } from './rateLimiter';
import { findBySenderId, PartnerModels } from './service';

const toInbound = (p: PartnerDoc): InboundPartner => ({
  senderId: p.senderId,
  signingProfile: p.signingProfile,
  callbackBase: p.callbackBase,
  queryAttributes: p.queryAttributes,
  pii: p.pii,
  scopes: p.scopes,
  rateLimitPerMinute: p.rateLimitPerMinute,
});

export function partnerDirectory(models: PartnerModels, limiter = new PartnerRateLimiter()): PartnerDirectory {
  return {
    async active(senderId) {
      const partner = await findBySenderId(models, senderId);
      return partner && partner.status === 'active' ? toInbound(partner) : undefined;
    },
    admit(partner) {
      return limiter.take(partner.senderId, partner.rateLimitPerMinute).allowed;
    },
  };
}
