/**
 * The OAuth2 access token of one data source, kept in memory: reused until `refreshMarginMs` before
 * it expires, fetched once for any number of concurrent callers, and dropped when the partner
 * answers 401 to it.
 */
export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
}

export interface TokenCacheOptions {
  /** Refresh this long before expiry, so a token never expires on the way (default 60 s). */
  refreshMarginMs?: number;
  now?: () => number;
}

export class TokenCache {
  private cached: { token: string; refreshAt: number } | undefined;
  private pending: Promise<string> | undefined;
  private readonly now: () => number;
  private readonly marginMs: number;

  constructor(
    private readonly fetchToken: () => Promise<IssuedToken>,
    opts: TokenCacheOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.marginMs = opts.refreshMarginMs ?? 60_000;
  }

  async get(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return this.cached.token;
    this.pending ??= this.refresh().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Forgets `token` if it is still the cached one (a concurrent caller may already hold a newer one). */
  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async refresh(): Promise<string> {
    const issued = await this.fetchToken();
    const lifetimeMs = issued.expiresInSeconds * 1000;
    // A token shorter-lived than twice the margin is still used for half its life.
    this.cached = { token: issued.accessToken, refreshAt: this.now() + Math.max(lifetimeMs - this.marginMs, lifetimeMs / 2) };
    return issued.accessToken;
  }
}
