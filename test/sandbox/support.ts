/**
 * Test doubles around the sandbox: a stand-in gateway (token endpoint, JWKS with its own Ed25519
 * key, callback receiver), a DCI client that signs requests with that key and calls the sandbox
 * over HTTP, and a describe block's sandbox connected to such a double. Built with the gateway's
 * protocol helpers, which tests may use.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { newHeader, RequestAction, signingProfile } from '../../adapters/dci/protocol';
import { startSandbox, Sandbox, SandboxOptions } from '../../adapters/dci/sandbox';
import { newPartnerKey } from '../support/dciPartner';

export const GATEWAY_ID = 'dci-gateway.test';

export interface Received {
  path: string;
  authorization?: string;
  body: any;
  raw: string;
}

export interface GatewayDouble {
  url: string;
  key: ReturnType<typeof newPartnerKey>;
  received: Received[];
  /** Tokens handed out by the double's token endpoint. */
  issued: string[];
  waitFor(path: string, count?: number, timeoutMs?: number): Promise<Received[]>;
  config(): { tokenUrl: string; clientId: string; clientSecret: string; jwksUrl: string };
  close(): Promise<void>;
}

export async function startGatewayDouble(): Promise<GatewayDouble> {
  const key = newPartnerKey();
  const received: Received[] = [];
  const issued: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0];
      res.setHeader('content-type', 'application/json');
      if (path === '/.well-known/jwks.json') {
        res.end(JSON.stringify({ keys: [key.publicJwk] }));
        return;
      }
      if (path === '/oauth2/client/token') {
        const form = new URLSearchParams(raw);
        const known = form.get('client_id') === 'sandbox-client' && form.get('client_secret') === 'sandbox-secret';
        const token = randomUUID();
        if (known) issued.push(token);
        res.statusCode = known ? 200 : 401;
        res.end(JSON.stringify(known ? { access_token: token, token_type: 'bearer', expires_in: '3600' } : { error: 'invalid_client' }));
        return;
      }
      received.push({ path, authorization: req.headers.authorization, body: raw ? JSON.parse(raw) : undefined, raw });
      res.end(JSON.stringify({ message: { ack_status: 'ACK', timestamp: new Date().toISOString(), correlation_id: randomUUID() } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    key,
    received,
    issued,
    async waitFor(path, count = 1, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.filter((r) => r.path === path);
        if (found.length >= count) return found;
        if (Date.now() > deadline) throw new Error(`expected ${count} POST(s) to ${path}; got ${received.map((r) => r.path).join(', ') || 'none'}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    config: () => ({ tokenUrl: `${url}/oauth2/client/token`, clientId: 'sandbox-client', clientSecret: 'sandbox-secret', jwksUrl: `${url}/.well-known/jwks.json` }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function sandboxToken(sandbox: Sandbox): Promise<string> {
  const { tokenUrl, clientId, clientSecret } = sandbox.oauth;
  const res = await fetch(tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }) });
  if (res.status !== 200) throw new Error(`sandbox token endpoint answered ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export interface ConnectedSandbox {
  sandbox: Sandbox;
  /** The stand-in gateway the sandbox is connected to: its key signs our requests, it receives the callbacks. */
  gateway: GatewayDouble;
  /** A sandbox token for our requests. */
  token: string;
}

/**
 * A sandbox connected to a gateway double for the enclosing describe block: started before its
 * first test, stopped after its last; the fields are set from then on.
 */
export function useConnectedSandbox(options: SandboxOptions): ConnectedSandbox {
  const w = {} as ConnectedSandbox;
  beforeAll(async () => {
    w.sandbox = await startSandbox(options);
    w.gateway = await startGatewayDouble();
    w.sandbox.connectGateway(w.gateway.config());
    w.token = await sandboxToken(w.sandbox);
  });
  afterAll(async () => {
    await w.sandbox?.stop();
    await w.gateway?.close();
  });
  return w;
}

export interface SendOptions {
  token?: string | null;
  senderUri?: string;
  unsigned?: boolean;
  /** Changes the body after signing. */
  tamper?: (body: any) => void;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
  raw: string;
}

/** Signs `message` as the gateway double and POSTs it to `${baseUrl}${path}`. */
export async function send(
  baseUrl: string,
  path: string,
  action: RequestAction,
  message: Record<string, unknown>,
  key: ReturnType<typeof newPartnerKey>,
  token: string | null,
  opts: Omit<SendOptions, 'token'> = {},
): Promise<Answer> {
  const items = (message.search_request ?? message.subscribe_request) as unknown[] | undefined;
  const header = newHeader({ senderId: GATEWAY_ID, action, totalCount: items?.length ?? 1, senderUri: opts.senderUri });
  const body: any = opts.unsigned ? { header, message } : (await signingProfile('default').sign({ header, message }, key)).body;
  opts.tamper?.(body);
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const raw = await res.text();
  return { status: res.status, headers: res.headers, body: raw ? JSON.parse(raw) : undefined, raw };
}

/** Verifies an envelope signed by the sandbox with the keys it publishes at `jwksUrl`. */
export async function verifySandboxSignature(jwksUrl: string, body: unknown, raw: string) {
  const jwks = (await (await fetch(jwksUrl)).json()) as { keys: { kid: string }[] };
  const resolver = async (_senderId: string, keyId: string | undefined) => jwks.keys.filter((jwk) => !keyId || jwk.kid === keyId).map((jwk) => ({ kid: jwk.kid, jwk }));
  return signingProfile('default').verify({ body, rawBody: raw, headers: {} }, resolver);
}

export const searchItem = (criteria: Record<string, unknown>, referenceId: string = randomUUID()) => ({
  reference_id: referenceId,
  timestamp: new Date().toISOString(),
  search_criteria: criteria,
});
