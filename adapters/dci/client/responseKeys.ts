/**
 * The keys a data source's responses are verified with, bound to its receiver id: pinned keys, or its
 * configured JWKS URL (never a URL from a message) through the protocol's JwksCache, as
 * src/partners/keyResolver does for inbound partners.
 */
import { publicJwk } from '../../../src/partners/input';
import type { Logger } from '../../../src/log';
import { JwksCache, type PartnerKeyResolver } from '../protocol';
import type { DataSourceConfig } from './dataSource';

export interface ResponseKeyOptions {
  cacheTtlMs?: number;
  /** After a failed fetch or an unknown kid, wait this long before fetching again. */
  refetchAfterMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  log: Logger;
}

export function responseKeyResolver(source: Pick<DataSourceConfig, 'name' | 'receiverId' | 'publicKeys' | 'jwksUrl' | 'timeoutMs'>, opts: ResponseKeyOptions): PartnerKeyResolver {
  const jwks = source.jwksUrl
    ? new JwksCache(source.jwksUrl, {
        ttlMs: opts.cacheTtlMs ?? 5 * 60_000,
        refetchAfterMs: opts.refetchAfterMs,
        timeoutMs: source.timeoutMs,
        fetch: opts.fetch,
        now: opts.now,
        publicJwk,
        onFetchFailed: (reason) => opts.log.warn({ dataSource: source.name, reason }, 'data source JWKS fetch failed'),
      })
    : undefined;

  return async (senderId, keyId) => {
    if (senderId !== source.receiverId) return [];
    if (source.publicKeys.length > 0 || !jwks) return source.publicKeys.filter((k) => keyId === undefined || k.kid === keyId);
    return jwks.keys(keyId);
  };
}
