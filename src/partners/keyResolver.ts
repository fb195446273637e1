/**
 * The partner keys the DCI signing profiles verify with: pinned in the registry, or fetched from the
 * partner's configured JWKS URL (never a URL taken from a message) and cached.
 */
import type { Logger } from '../log';
import type { PartnerKey, PartnerKeyResolver } from '../../adapters/dci/protocol/signing';
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

const MAX_JWKS_BYTES = 64 * 1024;

interface CachedSet {
  keys: PartnerKey[];
  fetchedAt: number;
  ok: boolean;
}

export function partnerKeyResolver(models: PartnerModels, opts: KeyResolverOptions): PartnerKeyResolver {
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.fetchTimeoutMs ?? 5000;
  const refetchAfterMs = Math.min(opts.refetchAfterMs ?? 30_000, opts.cacheTtlMs);
  const cache = new Map<string, CachedSet>();
  const inFlight = new Map<string, Promise<CachedSet>>();

  async function fetchSet(url: string, senderId: string): Promise<CachedSet> {
    try {
      return { keys: await fetchJwks(url, timeoutMs), fetchedAt: now(), ok: true };
    } catch (error) {
      // Origin and path only: a query string may carry an access key.
      const { origin, pathname } = new URL(url);
      opts.log.warn({ senderId, jwks: origin + pathname, reason: (error as Error).message }, 'partner JWKS fetch failed');
      return { keys: [], fetchedAt: now(), ok: false };
    }
  }

  async function jwksKeys(url: string, senderId: string, keyId: string | undefined): Promise<PartnerKey[]> {
    const cached = cache.get(url);
    const age = cached ? now() - cached.fetchedAt : Infinity;
    const fresh = cached && age < (cached.ok ? opts.cacheTtlMs : refetchAfterMs);
    // A kid we have not seen may be the partner's freshly rotated key: look again, but not on every message.
    const kidMissing = keyId !== undefined && cached?.ok && !cached.keys.some((k) => k.kid === keyId);
    if (fresh && !(kidMissing && age >= refetchAfterMs)) return cached.keys;

    let pending = inFlight.get(url);
    if (!pending) {
      pending = fetchSet(url, senderId).finally(() => inFlight.delete(url));
      inFlight.set(url, pending);
    }
    const set = await pending;
    cache.set(url, set);
    return set.keys;
  }

  return async (senderId, keyId) => {
    const partner = await findBySenderId(models, senderId);
    if (!partner || partner.status !== 'active') return [];
    // Pinned keys are the whole truth for that partner: the URL is not consulted.
    const keys =
      partner.publicKeys.length > 0
        ? partner.publicKeys.map((jwk) => ({ kid: jwk.kid, jwk: { ...jwk } }))
        : partner.jwksUrl
          ? await jwksKeys(partner.jwksUrl, senderId, keyId)
          : [];
    return keyId === undefined ? keys : keys.filter((k) => k.kid === keyId);
  };
}

/** Fetches a JWKS document; keys that are not usable public signing keys with a kid are skipped. */
async function fetchJwks(url: string, timeoutMs: number): Promise<PartnerKey[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error', headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  if (Number(res.headers.get('content-length')) > MAX_JWKS_BYTES) throw new Error('JWKS document too large');
  const text = await res.text();
  if (text.length > MAX_JWKS_BYTES) throw new Error('JWKS document too large');
  const doc = JSON.parse(text) as { keys?: unknown };
  if (!Array.isArray(doc.keys)) throw new Error('JWKS document has no keys array');
  return doc.keys.flatMap((candidate, i) => {
    try {
      const jwk = publicJwk(`keys[${i}]`, candidate);
      return [{ kid: jwk.kid, jwk: { ...jwk } }];
    } catch {
      return [];
    }
  });
}
