import { startSandbox, Sandbox } from '../../adapters/dci/sandbox';
import { newPartnerKey } from '../support/dciPartner';
import { sandboxToken, searchItem, send } from './support';

const key = newPartnerKey();
const brnSearch = (brn: string) => ({ transaction_id: 'T-1', search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'BRN', value: brn } })] });

describe('sandbox OAuth2 tokens', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ births: 20, tokenTtlSeconds: 1 });
  });
  afterAll(() => sandbox.stop());

  it('issues a bearer token for client credentials in the form body or HTTP Basic', async () => {
    const { tokenUrl, clientId, clientSecret } = sandbox.oauth;
    const form = await fetch(tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }) });
    expect(form.status).toBe(200);
    expect(await form.json()).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: '1' });

    const basic = await fetch(tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(basic.status).toBe(200);
  });

  it('refuses wrong credentials and other grant types', async () => {
    const { tokenUrl, clientId } = sandbox.oauth;
    const wrong = await fetch(tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'nope' }) });
    expect(wrong.status).toBe(401);
    const grant = await fetch(tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'password', client_id: clientId, client_secret: 'nope' }) });
    expect(grant.status).toBe(400);
  });

  it('answers 401 with the DCI error body without a token, after expiry and after expireTokens()', async () => {
    const brn = sandbox.data.births[0].brn;
    const missing = await send(sandbox.registries.crvs.baseUrl, '/registry/sync/search', 'search', brnSearch(brn), key, null);
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ errors: [{ code: 'err.request.unauthorized', message: expect.any(String) }] });

    const token = await sandboxToken(sandbox);
    expect((await send(sandbox.registries.crvs.baseUrl, '/registry/sync/search', 'search', brnSearch(brn), key, token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await send(sandbox.registries.crvs.baseUrl, '/registry/sync/search', 'search', brnSearch(brn), key, token)).status).toBe(401);

    const fresh = await sandboxToken(sandbox);
    sandbox.faults.expireTokens();
    const expired = await send(sandbox.registries.ibr.baseUrl, '/registry/sync/enrolled', 'search', { transaction_id: 'T-2', enrolled_criteria: { query: { person_identifier: { eq: '1100000001' } } } }, key, fresh);
    expect(expired.status).toBe(401);
    expect(expired.body.errors[0].code).toBe('err.request.unauthorized');
  });
});
