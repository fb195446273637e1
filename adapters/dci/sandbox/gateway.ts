/**
 * The sandbox's link to the gateway once `connectGateway` was called: the gateway's JWKS verifies the
 * requests it sends, and its token endpoint gives the bearer token our callbacks and notifications
 * carry. Without a link, incoming signatures are not checked and callbacks go out without a token.
 */
import type { JsonWebKey } from 'node:crypto';
import { jwksLookup, KeyLookup } from './signing';

export interface GatewayConfig {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** The gateway's JWKS, to verify the signed requests it sends. */
  jwksUrl: string;
}

const ATTEMPTS = 3;
const BACKOFF_MS = [250, 1000];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class GatewayLink {
  private config?: GatewayConfig;
  private keys?: KeyLookup;
  private token?: { value: string; renewAt: number };

  connect(config: GatewayConfig): void {
    this.config = config;
    this.keys = jwksLookup(config.jwksUrl);
    this.token = undefined;
  }

  /** The gateway's keys, or undefined when not connected (signatures then go unchecked). */
  get verificationKeys(): KeyLookup | undefined {
    return this.keys;
  }

  /** The gateway's encryption key (`use: enc`, X25519 preferred) from its JWKS, or undefined when not connected or none is published. */
  async encryptionKey(): Promise<(JsonWebKey & { kid: string }) | undefined> {
    if (!this.config) return undefined;
    const res = await fetch(this.config.jwksUrl);
    if (!res.ok) return undefined;
    const keys = (((await res.json()) as { keys?: (JsonWebKey & { kid: string; use?: string })[] }).keys ?? []).filter((k) => k.use === 'enc');
    return keys.find((k) => k.crv === 'X25519') ?? keys[0];
  }

  /** POSTs a signed envelope, retrying network failures and 5xx with backoff; resolves to the final HTTP status. */
  async deliver(url: string, body: unknown): Promise<number> {
    let lastError: unknown;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(BACKOFF_MS[attempt - 1]);
      try {
        const token = await this.bearer();
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
          body: JSON.stringify(body),
        });
        await res.arrayBuffer();
        if (res.status === 401) this.token = undefined;
        if (res.status < 500 && res.status !== 401) return res.status;
        lastError = new Error(`${url} answered ${res.status}`);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  private async bearer(): Promise<string | undefined> {
    if (!this.config) return undefined;
    if (this.token && this.token.renewAt > Date.now()) return this.token.value;
    const { tokenUrl, clientId, clientSecret } = this.config;
    const res = await fetch(tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    });
    if (!res.ok) throw new Error(`gateway token endpoint answered ${res.status}`);
    const body = (await res.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string') throw new Error('gateway token endpoint gave no access_token');
    const lifetime = Number(body.expires_in ?? 300);
    // Renew a little early so a token never expires in flight.
    this.token = { value: body.access_token, renewAt: Date.now() + Math.max(0, (Number.isFinite(lifetime) ? lifetime : 300) - 30) * 1000 };
    return this.token.value;
  }
}
