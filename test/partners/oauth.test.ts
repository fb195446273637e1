/**
 * The OAuth2 token endpoint over HTTP: a small express app with the router, a TokenService on a
 * temp data directory, partners in the real embedded engine.
 */
import express from 'express';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FAILED_AUTH_PER_ADDRESS_PER_MINUTE, FAILED_AUTH_PER_CLIENT_PER_MINUTE, oauthTokenRouter } from '../../adapters/dci/server/oauth';
import { validatorFor } from '../../adapters/dci/protocol/openapi';
import { TokenService } from '../../src/auth/tokens';
import { createLogger } from '../../src/log';
import { createPartner, disablePartner } from '../../src/partners';
import { registryModels, RegistryModels, syncIndexes } from '../../src/store/models';
import { startTestStore, TestStore } from '../support/store';
import { ed25519Jwk } from './fixtures';

const validTokenResponse = validatorFor('authz', '/oauth2/client/token', 'response');

describe('POST /oauth2/client/token', () => {
  let store: TestStore;
  let models: RegistryModels;
  let tokens: TokenService;
  let server: http.Server;
  let url: string;
  let tokenDir: string;
  let client: { clientId: string; clientSecret: string };

  beforeAll(async () => {
    store = await startTestStore();
    // Models first: syncIndexes creates the indexes of the models defined on the connection.
    models = registryModels(store.connection);
    await syncIndexes(store.connection);
    tokenDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-oauth-'));
    tokens = await TokenService.open({ dataDir: tokenDir, issuer: 'gateway.test' });
    const app = express();
    // The failure budgets' clock stands still: nothing refills while the scrypt work of a burst runs, so counts are exact.
    app.use(oauthTokenRouter({ models, tokens, database: store.liveness, log: createLogger('silent'), now: () => 0 }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/client/token`;
    client = await createPartner(
      models,
      { senderId: 'crvs.example', publicKeys: [ed25519Jwk('k1')], callbackBase: 'https://crvs.example.org', scopes: ['dci:search', 'dci:callback'] },
      new Date(),
    );
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await store?.close();
    fs.rmSync(tokenDir, { recursive: true, force: true });
  });

  async function post(form: Record<string, string>, headers: Record<string, string> = {}) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  }

  const credentials = () => ({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret });

  it('issues a partner token that matches the spec schema and verifies', async () => {
    const res = await post(credentials());
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: '3600' });
    expect(validTokenResponse(res.body)).toEqual({ ok: true });

    const principal = await tokens.verify(res.body.access_token as string);
    expect(principal).toMatchObject({ kind: 'partner', partnerId: 'crvs.example', subject: client.clientId, issuer: 'gateway.test' });
    expect([...principal.scopes].sort()).toEqual(['dci:callback', 'dci:search']);
  });

  it('accepts HTTP Basic client authentication (RFC 6749 2.3.1)', async () => {
    const basic = Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64');
    const res = await post({ grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` });
    expect(res.status).toBe(200);
    expect((await tokens.verify(res.body.access_token as string)).partnerId).toBe('crvs.example');

    const wrong = Buffer.from(`${client.clientId}:nope`).toString('base64');
    const refused = await post({ grant_type: 'client_credentials' }, { authorization: `Basic ${wrong}` });
    expect(refused).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(refused.headers.get('www-authenticate')).toMatch(/^Basic /);

    const both = await post(credentials(), { authorization: `Basic ${basic}` });
    expect(both).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('narrows the token to the requested scopes and refuses scopes the partner lacks', async () => {
    const narrowed = await post({ ...credentials(), scope: 'dci:search' });
    expect(narrowed.status).toBe(200);
    expect([...(await tokens.verify(narrowed.body.access_token as string)).scopes]).toEqual(['dci:search']);

    const wider = await post({ ...credentials(), scope: 'dci:search dci:subscribe' });
    expect(wider).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    const foreign = await post({ ...credentials(), scope: 'registry:pii' });
    expect(foreign).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
  });

  it('answers wrong credentials with 401 invalid_client', async () => {
    expect(await post({ ...credentials(), client_secret: `${client.clientSecret}x` })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const unknown = await post({ ...credentials(), client_id: 'unknown-client' });
    expect(unknown).toEqual({ status: 401, headers: expect.anything(), body: { error: 'invalid_client' } });
  });

  it('answers other grants with 400 unsupported_grant_type and missing fields with 400 invalid_request', async () => {
    expect(await post({ ...credentials(), grant_type: 'password' })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    for (const missing of ['grant_type', 'client_id', 'client_secret']) {
      const form: Record<string, string> = credentials();
      delete form[missing];
      expect(await post(form)).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: expect.stringContaining(missing) } });
    }
    const repeated = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `${new URLSearchParams(credentials())}&client_id=other`,
    });
    expect(repeated.status).toBe(400);
    const json = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials()) });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ error: 'invalid_request', error_description: 'the body must be application/x-www-form-urlencoded (RFC 6749 §4.4.2)' });
    const huge = await post({ ...credentials(), scope: 'x'.repeat(10_000) });
    expect(huge).toMatchObject({ status: 413, body: { error: 'invalid_request', error_description: 'request body too large' } });
  });

  it('refuses a disabled partner with 401 invalid_client', async () => {
    const other = await createPartner(models, { senderId: 'ibr.example', publicKeys: [ed25519Jwk('k1')], callbackBase: 'https://ibr.example.org' }, new Date());
    const form = { grant_type: 'client_credentials', client_id: other.clientId, client_secret: other.clientSecret };
    expect((await post(form)).status).toBe(200);
    await disablePartner(models, 'ibr.example', new Date());
    expect(await post(form)).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  // Last in this file: it spends this address's allowance of failures.
  it('throttles failed client authentications per client id and address, then per address, successes not counted', async () => {
    const other = await createPartner(models, { senderId: 'throttled.example', publicKeys: [ed25519Jwk('k1')], callbackBase: 'https://throttled.example.org' }, new Date());
    const otherForm = { grant_type: 'client_credentials', client_id: other.clientId, client_secret: other.clientSecret };
    const statuses = async (forms: Record<string, string>[]) => {
      const answers = await Promise.all(forms.map((form) => post(form)));
      for (const answer of answers.filter((a) => a.status === 429)) {
        expect(answer.body).toMatchObject({ error: 'invalid_request', error_description: expect.any(String) });
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
      return answers.map((a) => a.status);
    };
    const count = (all: number[], status: number) => all.filter((s) => s === status).length;

    // Charged up front like failures, successes are given back once verified: more of them than the budget all pass.
    for (let i = 0; i < FAILED_AUTH_PER_CLIENT_PER_MINUTE + 10; i++) expect((await post(credentials())).status).toBe(200);

    // In parallel: each failure is charged before the secret is verified, so none slips past the limit.
    const parallel = await statuses(Array.from({ length: 40 }, () => ({ ...otherForm, client_secret: 'wrong' })));
    expect([count(parallel, 401), count(parallel, 429)]).toEqual([FAILED_AUTH_PER_CLIENT_PER_MINUTE, 40 - FAILED_AUTH_PER_CLIENT_PER_MINUTE]);
    // While throttled, even that client's right secret waits: nothing is verified for it.
    expect((await post(otherForm)).status).toBe(429);
    // Another client behind the same address is not held up by it.
    expect((await post(credentials())).status).toBe(200);

    // Rotating client ids from one address runs into the looser per-address limit, which then holds for every client.
    const rotating = await statuses(Array.from({ length: FAILED_AUTH_PER_ADDRESS_PER_MINUTE }, (_, i) => ({ ...credentials(), client_id: `unknown-${i}` })));
    // The failures of the tests above and of the parallel burst came from this address too.
    expect(count(rotating, 401)).toBeLessThanOrEqual(FAILED_AUTH_PER_ADDRESS_PER_MINUTE - FAILED_AUTH_PER_CLIENT_PER_MINUTE);
    expect(count(rotating, 429)).toBe(FAILED_AUTH_PER_ADDRESS_PER_MINUTE - count(rotating, 401));
    expect((await post(credentials())).status).toBe(429);
  });
});
