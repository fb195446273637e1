/**
 * The partner keys the DCI signing profiles verify with: pinned in the registry, or fetched from the
 * partner's configured JWKS URL (never a URL taken from a message) and cached.
 */
import type { Logger } from '../log';
import { JwksCache } from '../../adapters/dci/protocol/jwksCache';
import type { PartnerKeyResolver } from '../../adapters/dci/protocol/signing';
import type { PartnerDoc } from '../store/models/partner';
import { publicJwk } from './input';
import { findBySenderId, PartnerModels } from './service';

export interface KeyResolverOptions {
  /** How long fetched JWKS keys are used before they are fetched again. */
  cacheTtlMs: number;
  log: Logger;
  /** Default 5 s: a slow JWKS server must not hold up every message of that partner. */
  fetchTimeoutMs?: number;
  /** After a failed fetch, or a kid missing from a cached set, wait this long before fetching again (default 30 s, at most cacheTtlMs). */
  refetchAfterMs?: number;
  now?: () => number;
}

/** The keys of one partner record, as read: what an inbound message is verified with, with no second read. */
export type PartnerKeySource = (partner: PartnerDoc) => PartnerKeyResolver;

export function partnerKeySource(opts: KeyResolverOptions): PartnerKeySource {
  // One cache per partner, started afresh when its configured URL changes.
  const caches = new Map<string, JwksCache>();

  function jwksOf(senderId: string, url: string): JwksCache {
    let cache = caches.get(senderId);
    if (cache?.url !== url) {
      cache = new JwksCache(url, {
        ttlMs: opts.cacheTtlMs,
        refetchAfterMs: opts.refetchAfterMs,
        timeoutMs: opts.fetchTimeoutMs ?? 5000,
        now: opts.now,
        publicJwk,
        onFetchFailed: (reason) => {
          // Origin and path only: a query string may carry an access key.
          const { origin, pathname } = new URL(url);
          opts.log.warn({ senderId, jwks: origin + pathname, reason }, 'partner JWKS fetch failed');
        },
      });
      caches.set(senderId, cache);
    }
    return cache;
  }

  return (partner) => async (senderId, keyId) => {
    // Only this partner's own keys, and only while it is active, whatever sender id a profile asks for.
    if (senderId !== partner.senderId || partner.status !== 'active') return [];
    // Pinned keys are the whole truth for that partner: the URL is not consulted.
    if (partner.publicKeys.length > 0) {
      return partner.publicKeys.filter((jwk) => keyId === undefined || jwk.kid === keyId).map((jwk) => ({ kid: jwk.kid, jwk: { ...jwk } }));
    }
    return partner.jwksUrl ? jwksOf(senderId, partner.jwksUrl).keys(keyId) : [];
  };
}

/** Looks the partner up on every call: for verifiers that hold no partner record of their own. */
export function partnerKeyResolver(models: PartnerModels, opts: KeyResolverOptions): PartnerKeyResolver {
  const keysOf = partnerKeySource(opts);
  return async (senderId, keyId) => {
    const partner = await findBySenderId(models, senderId);
    return partner ? keysOf(partner)(senderId, keyId) : [];
  };
}
