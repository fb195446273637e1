/**
 * The partner keys the DCI signing profiles verify with: pinned in the registry, or fetched from the
 * partner's configured JWKS URL (never a URL taken from a message) and cached.
 */
import type { Logger } from '../log';
import { JwksCache } from '../../adapters/dci/protocol/jwksCache';
import type { PartnerKeyResolver } from '../../adapters/dci/protocol/signing';
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

export function partnerKeyResolver(models: PartnerModels, opts: KeyResolverOptions): PartnerKeyResolver {
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

  return async (senderId, keyId) => {
    const partner = await findBySenderId(models, senderId);
    if (!partner || partner.status !== 'active') return [];
    // Pinned keys are the whole truth for that partner: the URL is not consulted.
    if (partner.publicKeys.length > 0) {
      return partner.publicKeys.filter((jwk) => keyId === undefined || jwk.kid === keyId).map((jwk) => ({ kid: jwk.kid, jwk: { ...jwk } }));
    }
    return partner.jwksUrl ? jwksOf(senderId, partner.jwksUrl).keys(keyId) : [];
  };
}
