/**
 * The keys a partner publishes at its JWKS URL (always a configured URL, never one taken from a
 * message), fetched and cached:
 * - a fetch gives up after `timeoutMs`, follows no redirect and reads at most 64 KiB;
 * - a fetched set is used for `ttlMs`;
 * - a kid missing from the set may be the partner's freshly rotated key, so it is looked for again,
 *   as is a set whose fetch failed, but at most once per `refetchAfterMs`: messages naming random
 *   kids must not make us hammer the partner;
 * - callers that lack their key while a fetch is in flight wait for that one fetch.
 */
import type { PartnerKey } from './signing';

export interface JwksCacheOptions {
  /** How long a fetched key set is used before it is fetched again. */
  ttlMs: number;
  /** After a fetch, look again for an unknown kid or after a failure no sooner than this (default 30 s, at most ttlMs). */
  refetchAfterMs?: number;
  /** A slow JWKS server must not hold up every message of that partner. */
  timeoutMs: number;
  /**
   * The public part of one member of `keys`, or a throw when it is not a usable public signing key
   * with a kid (that member is skipped, the others kept). Injected: the rule is the one partner
   * registration applies to pinned keys.
   */
  publicJwk: (field: string, candidate: unknown) => { kid: string; kty: string };
  /** Told why a fetch failed, to log it in the caller's terms. */
  onFetchFailed: (reason: string) => void;
  fetch?: typeof fetch;
  now?: () => number;
}

const MAX_JWKS_BYTES = 64 * 1024;
const DEFAULT_REFETCH_AFTER_MS = 30_000;

export class JwksCache {
  private fetched: { keys: PartnerKey[]; at: number } | undefined;
  private attemptedAt = -Infinity;
  private inFlight: Promise<void> | undefined;
  private readonly refetchAfterMs: number;
  private readonly now: () => number;

  constructor(
    readonly url: string,
    private readonly opts: JwksCacheOptions,
  ) {
    this.refetchAfterMs = Math.min(opts.refetchAfterMs ?? DEFAULT_REFETCH_AFTER_MS, opts.ttlMs);
    this.now = opts.now ?? Date.now;
  }

  /** The published keys with this kid, or all of them when keyId is undefined; none while the URL fails. */
  async keys(keyId: string | undefined): Promise<PartnerKey[]> {
    if (this.lacks(keyId)) {
      if (!this.inFlight && this.now() - this.attemptedAt >= this.refetchAfterMs) {
        this.inFlight = this.refresh().finally(() => (this.inFlight = undefined));
      }
      await this.inFlight;
    }
    const keys = this.freshKeys() ?? [];
    return keyId === undefined ? keys : keys.filter((k) => k.kid === keyId);
  }

  /** Whether the cached set cannot answer: it is missing, past its TTL, or without this kid. */
  private lacks(keyId: string | undefined): boolean {
    const keys = this.freshKeys();
    return keys === undefined || (keyId !== undefined && !keys.some((k) => k.kid === keyId));
  }

  private freshKeys(): PartnerKey[] | undefined {
    return this.fetched && this.now() - this.fetched.at < this.opts.ttlMs ? this.fetched.keys : undefined;
  }

  /** On failure the previous set stays until its TTL ends: a failed look for an unknown kid must not drop known keys. */
  private async refresh(): Promise<void> {
    this.attemptedAt = this.now();
    try {
      this.fetched = { keys: this.parse(await this.download()), at: this.now() };
    } catch (error) {
      this.opts.onFetchFailed(reasonOf(error));
    }
  }

  private async download(): Promise<string> {
    const doFetch = this.opts.fetch ?? fetch;
    const res = await doFetch(this.url, { signal: AbortSignal.timeout(this.opts.timeoutMs), redirect: 'error', headers: { accept: 'application/json' } });
    // A refused body is cancelled: left unread it holds the socket until garbage collection.
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status}`);
    }
    if (!res.body) throw new Error('JWKS response has no body');
    if (Number(res.headers.get('content-length')) > MAX_JWKS_BYTES) {
      await res.body.cancel();
      throw new Error('JWKS document too large');
    }
    // Read in chunks so a document without a content-length cannot fill memory before it is refused.
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      size += chunk.value.byteLength;
      if (size > MAX_JWKS_BYTES) {
        await reader.cancel();
        throw new Error('JWKS document too large');
      }
      chunks.push(chunk.value);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private parse(text: string): PartnerKey[] {
    const doc = JSON.parse(text) as { keys?: unknown };
    if (!Array.isArray(doc.keys)) throw new Error('JWKS document has no keys array');
    return doc.keys.flatMap((candidate, i) => {
      try {
        const jwk = this.opts.publicJwk(`keys[${i}]`, candidate);
        return [{ kid: jwk.kid, jwk: { ...jwk } }];
      } catch {
        return [];
      }
    });
  }
}

/** fetch reports every network failure as "fetch failed": the cause says which one. */
function reasonOf(error: unknown): string {
  const { message, cause } = error as { message: string; cause?: { message?: unknown } };
  return typeof cause?.message === 'string' ? `${message}: ${cause.message}` : message;
}
