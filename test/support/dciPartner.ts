/**
 * A partner system for end-to-end DCI tests: its own Ed25519 key, registered with the gateway through
 * the partner service, an OAuth2 token from the gateway's token endpoint, and signed envelopes sent
 * over real HTTP.
 */
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createPartner, PartnerInput } from '../../src/partners/service';
import type { Gateway } from '../../src/gateway';
import { newHeader, OurSigningKey, PublicJwk, RequestAction, signingProfile } from '../../adapters/dci/protocol';

export interface TestPartner {
  senderId: string;
  key: OurSigningKey;
  clientId: string;
  clientSecret: string;
  token(scope?: string): Promise<string>;
  /** Signs `message` under a fresh header and POSTs it to `${gateway url}/dci${path}`. */
  send(path: string, action: RequestAction, message: Record<string, unknown>, opts?: SendOptions): Promise<{ status: number; body: any; raw: string }>;
}

export interface SendOptions {
  token?: string | null;
  senderUri?: string;
  header?: Record<string, unknown>;
  /** Changes the body after signing (tampering) or replaces the raw text. */
  mutate?: (body: Record<string, unknown>) => void;
  raw?: string;
  unsigned?: boolean;
  /** Another instance of the same gateway (same database and DATA_DIR keys) to send to. */
  gatewayUrl?: string;
}

export function newPartnerKey(): OurSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x!;
  const kid = createHash('sha256').update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x })).digest('base64url');
  const publicJwk: PublicJwk = { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' };
  return { kid, algorithm: 'EdDSA', privateKey, publicJwk };
}

/** `gateway`: a running gateway, or any instance's URL with the models of the database they share. */
export async function registerPartner(gateway: Pick<Gateway, 'models' | 'url'>, input: Partial<PartnerInput> & { senderId: string; callbackBase: string }): Promise<TestPartner> {
  const key = newPartnerKey();
  const { clientId, clientSecret } = await createPartner(
    gateway.models,
    { scopes: ['dci:search', 'dci:subscribe', 'dci:callback'], publicKeys: [key.publicJwk], ...input },
    new Date(),
  );
  const partner: TestPartner = {
    senderId: input.senderId,
    key,
    clientId,
    clientSecret,
    async token(scope) {
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, ...(scope ? { scope } : {}) });
      const res = await fetch(`${gateway.url}/oauth2/client/token`, { method: 'POST', body: form });
      if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}`);
      return ((await res.json()) as { access_token: string }).access_token;
    },
    async send(path, action, message, opts = {}) {
      const header = { ...newHeader({ senderId: input.senderId, receiverId: 'dci-gateway', action, totalCount: countItems(message), senderUri: opts.senderUri }), ...opts.header };
      const signed = opts.unsigned
        ? { rawBody: JSON.stringify({ header, message }), headers: {} as Record<string, string> }
        : await signingProfile('default').sign({ header, message }, key);
      let raw = signed.rawBody;
      if (opts.mutate) {
        const body = JSON.parse(raw);
        opts.mutate(body);
        raw = JSON.stringify(body);
      }
      if (opts.raw !== undefined) raw = opts.raw;
      const token = opts.token === undefined ? await partner.token() : opts.token;
      const res = await fetch(`${opts.gatewayUrl ?? gateway.url}/dci${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signed.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: raw,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, raw: text };
    },
  };
  return partner;
}

function countItems(message: Record<string, unknown>): number {
  for (const key of ['search_request', 'subscribe_request']) if (Array.isArray(message[key])) return (message[key] as unknown[]).length;
  return 1;
}

export const searchItem = (criteria: Record<string, unknown>, referenceId: string = randomUUID()) => ({
  reference_id: referenceId,
  timestamp: new Date().toISOString(),
  search_criteria: criteria,
});
