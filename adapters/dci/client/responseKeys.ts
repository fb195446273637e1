/**
 * The keys a data source's responses are verified with, bound to its receiver id: pinned keys, or its
 * configured JWKS URL (never a URL from a message), cached and fetched once for concurrent callers,
 * as src/partners/keyResolver does for inbound partners.
 */
import { publicJwk } from '../../../src/partners/input';
import type { Logger } from '../../../src/log';
import type { PartnerKey, PartnerKeyResolver } from '../protocol';
import type { DataSourceConfig } from './dataSource';

export interface ResponseKeyOptions {
  cacheTtlMs?: number;
  /** After a failed fetch or an unknown kid, wait this long before fetching again. */
  refetchAfterMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  log: Logger;
}

const MAX_JWKS_BYTES = 64 * 1024;

export function responseKeyResolver(source: Pick<DataSourceConfig, 'name' | 'receiverId' | 'publicKeys' | 'jwksUrl' | 'timeoutMs'>, opts: ResponseKeyOptions): PartnerKeyResolver {
  const now = opts.now ?? Date.now;
  const doFetch = opts.fetch ?? fetch;
  const ttl = opts.cacheTtlMs ?? 5 * 60_000;
  const refetchAfter = Math.min(opts.refetchAfterMs ?? 30_000, ttl);
  let cached: { keys: PartnerKey[]; at: number; ok: boolean } | undefined;
  let pending: Promise<void> | undefined;

  async function load(url: string): Promise<void> {
    try {
      cached = { keys: await fetchJwks(url, source.timeoutMs, doFetch), at: now(), ok: true };
    } catch (error) {
      opts.log.warn({ dataSource: source.name, reason: (error as Error).message }, 'data source JWKS fetch failed');
      cached = { keys: [], at: now(), ok: false };
    }
  }

  return async (senderId, keyId) => {
    if (senderId !== source.receiverId) return [];
    let keys = source.publicKeys;
    if (keys.length === 0 && source.jwksUrl) {
      const age = cached ? now() - cached.at : Infinity;
      const kidMissing = keyId !== undefined && !cached?.keys.some((k) => k.kid === keyId);
      if (age >= (cached?.ok ? ttl : refetchAfter) || (kidMissing && age >= refetchAfter)) {
        pending ??= load(source.jwksUrl).finally(() => (pending = undefined));
        await pending;
      }
      keys = cached?.keys ?? [];
    }
    return keyId === undefined ? keys : keys.filter((k) => k.kid === keyId);
  };
}

async function fetchJwks(url: string, timeoutMs: number, doFetch: typeof fetch): Promise<PartnerKey[]> {
  const res = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error', headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const text = await res.text();
  if (text.length > MAX_JWKS_BYTES) throw new Error('JWKS document too large');
  const doc = JSON.parse(text) as { keys?: unknown };
  if (!Array.isArray(doc.keys)) throw new Error('JWKS document has no keys array');
  return doc.keys.flatMap((candidate, i) => {
    try {
      const jwk = publicJwk(`keys[${i}]`, candidate);
      return [{ kid: jwk.kid, jwk: { ...jwk } }];
    } catch {
      return []; // not a usable public signing key: skip it, keep the others
    }
  });
}
