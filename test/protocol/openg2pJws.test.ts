/**
 * Signatures the peers' own code accepts, over HTTP with real keys. The partner side is written here
 * from the peers' documented behaviour, not with our signing code:
 * - OpenG2P (openg2p-fastapi-common): a detached RS256 JWS in the `Signature` header over
 *   `orjson.dumps(body, OPT_SORT_KEYS)` (compact, keys sorted at every level), verified over that same
 *   re-serialisation of the body received. Without floats in the body, `JSON.stringify` of the body
 *   with its keys sorted is exactly that text.
 * - OpenCRVS: fetches the sender's keys from `${sender_id}/.well-known/jwks.json`, so it can verify us
 *   only when our DCI_SENDER_ID is our base URL.
 */
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CompactSign, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { newHeader, validatorFor } from '../../adapters/dci/protocol';
import { loadConfig } from '../../src/config';
import { Gateway, startGateway } from '../../src/gateway';
import { createLogger } from '../../src/log';
import { createPartner } from '../../src/partners/service';
import { demoUin, seedRegistry } from '../../src/registry/seed';
import { searchItem } from '../support/dciPartner';
import { freePort } from '../support/freePort';
import { startTestGateway, TestGateway } from '../support/gateway';

const validRequest = validatorFor('social', '/registry/sync/search', 'request');
const validReply = validatorFor('social', '/registry/sync/search', 'response');

/** Parsed JSON. */
type Json = unknown;

/** The object's keys at every level in the order `order` gives them. */
const reordered = (value: Json, order: (keys: string[]) => string[]): Json =>
  Array.isArray(value)
    ? value.map((v) => reordered(v, order))
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(order(Object.keys(value)).map((k) => [k, reordered((value as Record<string, Json>)[k], order)]))
      : value;
/** Keys sorted at every level, as OPT_SORT_KEYS writes them. */
const sortedDeep = (value: Json) => reordered(value, (keys) => keys.sort());
/** Keys in reverse order at every level: what a partner that does not sort might send. */
const reversedDeep = (value: Json) => reordered(value, (keys) => keys.sort().reverse());
const orjsonSorted = (value: Json) => JSON.stringify(sortedDeep(value));

async function tokenFor(gateway: Gateway, clientId: string, clientSecret: string): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
  const res = await fetch(`${gateway.url}/oauth2/client/token`, { method: 'POST', body: form });
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('openg2p-jws with the current openg2p-fastapi-common', () => {
  const SENDER = 'openg2p.example.org';
  let t: TestGateway;
  let privateKey: KeyObject;
  let kid: string;
  let token: string;

  beforeAll(async () => {
    t = await startTestGateway();
    await seedRegistry(t.gateway.models, { individuals: 20, seed: 11 });
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    privateKey = pair.privateKey;
    kid = 'openg2p-partner-2026';
    const publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
    const created = await createPartner(
      t.gateway.models,
      { senderId: SENDER, publicKeys: [publicJwk], signingProfile: 'openg2p-jws', callbackBase: 'http://127.0.0.1:9/dci', scopes: ['dci:search'] },
      new Date(),
    );
    token = await tokenFor(t.gateway, created.clientId, created.clientSecret);
  });
  afterAll(() => t.stop());

  const searchBody = (uin: string) => ({
    header: { ...newHeader({ senderId: SENDER, receiverId: 'dci-gateway', action: 'search', totalCount: 1 }) },
    message: {
      transaction_id: `txn-${uin}`,
      search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: uin }, response_entity: 'Member' }, `ref-${uin}`)],
    },
  });

  /** What OpenG2P's create_jwt_token returns for a body: `<protected>..<signature>` over the sorted form. */
  const detachedJws = async (body: Json) => {
    const jws = await new CompactSign(new TextEncoder().encode(orjsonSorted(body))).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
    const [protectedHeader, , signature] = jws.split('.');
    return `${protectedHeader}..${signature}`;
  };

  const post = (raw: string, signature: string) =>
    fetch(`${t.url}/dci/registry/sync/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, Signature: signature },
      body: raw,
    });

  /** OpenG2P's verify_jwt of our reply: our published key named by the JWS, over the sorted re-serialisation. */
  const openg2pAccepts = async (raw: string, signature: string | null) => {
    const [protectedHeader, payload, sig] = (signature ?? '').split('.');
    expect(payload).toBe('');
    const header = decodeProtectedHeader(`${protectedHeader}..${sig}`);
    expect(header.alg).toBe('RS256');
    const jwks = (await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    const ours = jwks.keys.find((k) => k.kid === header.kid);
    expect(ours).toMatchObject({ kty: 'RSA', alg: 'RS256' });
    const canonical = Buffer.from(orjsonSorted(JSON.parse(raw))).toString('base64url');
    await compactVerify(`${protectedHeader}.${canonical}.${sig}`, await importJWK(ours!, 'RS256'), { algorithms: ['RS256'] });
    return true;
  };

  it.each([
    ['with its keys sorted, compact', (body: Json) => orjsonSorted(body)],
    ['with its keys in reverse order at every level', (body: Json) => JSON.stringify(reversedDeep(body))],
    ['pretty-printed in the order it was built', (body: Json) => JSON.stringify(body, null, 2)],
  ])('accepts an RS256 message sent %s, and its reply verifies over the sorted form', async (_how, serialise) => {
    const uin = demoUin(11, 4);
    const body = searchBody(uin);
    expect(validRequest(body)).toEqual({ ok: true });
    const res = await post(serialise(body), await detachedJws(body));
    const raw = await res.text();
    expect(res.status).toBe(200);
    const reply = JSON.parse(raw);
    expect(validReply(reply)).toEqual({ ok: true });
    expect(reply.header).toMatchObject({ action: 'on-search', status: 'succ', receiver_id: SENDER });
    expect(reply.message.search_response[0]).toMatchObject({ reference_id: `ref-${uin}`, status: 'succ', pagination: { total_count: 1 } });
    // We send the very bytes OpenG2P will rebuild, so a verifier over either form agrees.
    expect(raw).toBe(orjsonSorted(reply));
    await expect(openg2pAccepts(raw, res.headers.get('signature'))).resolves.toBe(true);
  });

  it('refuses a body changed after signing, in any order', async () => {
    const body = searchBody(demoUin(11, 5));
    const signature = await detachedJws(body);
    const changed = structuredClone(body);
    changed.message.transaction_id = 'txn-changed';
    const res = await post(JSON.stringify(reversedDeep(changed)), signature);
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).message.error.code).toBe('err.signature.invalid');
  });

  it('refuses the older form, signed over the body in the order it was sent', async () => {
    const body = searchBody(demoUin(11, 6));
    const raw = JSON.stringify(reversedDeep(body));
    const jws = await new CompactSign(new TextEncoder().encode(raw)).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
    const [protectedHeader, , signature] = jws.split('.');
    const res = await post(raw, `${protectedHeader}..${signature}`);
    expect(res.status).toBe(401);
  });
});

describe('a URL as DCI_SENDER_ID', () => {
  let gateway: Gateway;
  let dataDir: string;
  let baseUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-url-sender-'));
    const config = loadConfig({ NODE_ENV: 'test', EMBEDDED_ENGINE: process.env.EMBEDDED_ENGINE, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'silent', DCI_SENDER_ID: baseUrl });
    gateway = await startGateway(config, createLogger('silent'));
    await seedRegistry(gateway.models, { individuals: 10, seed: 12 });
  });
  afterAll(async () => {
    await gateway?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('an OpenCRVS-style verifier finds our keys under our sender id and verifies our reply', async () => {
    const SENDER = 'opencrvs.example.org';
    const pair = generateKeyPairSync('ed25519');
    const publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'opencrvs-1' };
    const created = await createPartner(
      gateway.models,
      { senderId: SENDER, publicKeys: [publicJwk], signingProfile: 'opencrvs-jws', callbackBase: 'http://127.0.0.1:9/dci', scopes: ['dci:search'] },
      new Date(),
    );
    const uin = demoUin(12, 2);
    const content = {
      header: { ...newHeader({ senderId: SENDER, receiverId: baseUrl, action: 'search', totalCount: 1 }) },
      message: { transaction_id: 'txn-url', search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: uin }, response_entity: 'Member' }, 'ref-url')] },
    };
    const signature = await new CompactSign(new TextEncoder().encode(JSON.stringify(content))).setProtectedHeader({ alg: 'EdDSA', kid: 'opencrvs-1' }).sign(pair.privateKey);
    const res = await fetch(`${baseUrl}/dci/registry/sync/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor(gateway, created.clientId, created.clientSecret)}` },
      body: JSON.stringify({ ...content, signature }),
    });
    expect(res.status).toBe(200);
    const reply = (await res.json()) as any;
    expect(validReply(reply)).toEqual({ ok: true });
    expect(reply.header).toMatchObject({ sender_id: baseUrl, status: 'succ' });
    expect(reply.message.search_response[0]).toMatchObject({ reference_id: 'ref-url', status: 'succ' });

    // OpenCRVS: the keys of the sender named in the message, at `${sender_id}/.well-known/jwks.json`.
    const { signature: jws, ...unsigned } = reply;
    const jwks = (await (await fetch(`${reply.header.sender_id}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    const { kid, alg } = decodeProtectedHeader(jws);
    const key = jwks.keys.find((k) => k.kid === kid)!;
    const { payload } = await compactVerify(jws, await importJWK(key, alg));
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(unsigned);
  });
});
