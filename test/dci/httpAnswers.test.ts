/** Every answer under the DCI base path is a DCI answer: an ERR acknowledgement with the spec's code. */
import { validatorFor } from '../../adapters/dci/protocol';
import { startTestGateway, TestGateway } from '../support/gateway';
import { registerPartner, TestPartner } from '../support/dciPartner';

jest.setTimeout(60_000);

describe('DCI answers under the base path (end to end)', () => {
  let t: TestGateway;
  let partner: TestPartner;
  let token: string;
  // The schema of the ERR acknowledgement an async endpoint answers with.
  const validAck = validatorFor('social', '/registry/search', 'response');

  beforeAll(async () => {
    t = await startTestGateway();
    partner = await registerPartner(t.gateway, { senderId: 'http.mis.example.org', callbackBase: 'http://127.0.0.1:9/dci' });
    token = await partner.token();
  });
  afterAll(async () => {
    await t?.stop();
  });

  async function post(path: string, body: string, contentType: string | undefined) {
    const res = await fetch(`${t.url}/dci${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...(contentType && { 'content-type': contentType }) },
      body,
    });
    return { status: res.status, contentType: res.headers.get('content-type'), body: (await res.json()) as any };
  }

  const expectErrAck = (res: { status: number; body: any }, status: number, code: string) => {
    expect({ status: res.status, ack: res.body.message?.ack_status, code: res.body.message?.error?.code }).toEqual({ status, ack: 'ERR', code });
    expect(validAck(res.body)).toEqual({ ok: true });
  };

  it('answers a body over the size limit with 413 and err.request.bad', async () => {
    const res = await post('/registry/sync/search', JSON.stringify({ padding: 'x'.repeat(1024 * 1024 + 1) }), 'application/json');
    expectErrAck(res, 413, 'err.request.bad');
  });

  it('answers a content type other than application/json with 415 and err.request.bad', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', undefined]) {
      const res = await post('/registry/search', '{"header":{}}', contentType);
      expectErrAck(res, 415, 'err.request.bad');
    }
    // A charset parameter is still JSON: the message goes on to the next check (here, the schema).
    expectErrAck(await post('/registry/search', '{"header":{}}', 'application/json; charset=utf-8'), 400, 'err.request.bad');
  });

  it('answers unknown paths under the base with 404 and err.request.not_found', async () => {
    expectErrAck(await post('/registry/no-such-thing', '{}', 'application/json'), 404, 'err.request.not_found');
    expectErrAck(await post('/nothing', '{}', 'application/json'), 404, 'err.request.not_found');
    const get = await fetch(`${t.url}/dci/registry/no-such-thing`);
    expect(get.status).toBe(404);
    expect(((await get.json()) as any).message.error.code).toBe('err.request.not_found');
  });

  it('answers another method than POST on a DCI path with 405, Allow: POST and err.request.bad', async () => {
    for (const [path, method] of [['/registry/sync/search', 'GET'], ['/registry/search', 'PUT'], ['/registry/on-search', 'DELETE']]) {
      const res = await fetch(`${t.url}/dci${path}`, { method, headers: { authorization: `Bearer ${token}` } });
      expect({ path, method, status: res.status, allow: res.headers.get('allow') }).toEqual({ path, method, status: 405, allow: 'POST' });
      expectErrAck({ status: res.status, body: await res.json() }, 405, 'err.request.bad');
    }
  });

  it('answers outside the base path in JSON too: 405 on a path of another method, 404 on an unknown one', async () => {
    const answer = async (path: string, method: string) => {
      const res = await fetch(`${t.url}${path}`, { method });
      return { path, method, status: res.status, allow: res.headers.get('allow'), type: res.headers.get('content-type')?.split(';')[0], body: (await res.json()) as any };
    };
    for (const [path, method, allow] of [['/healthz', 'POST', 'GET'], ['/readyz', 'DELETE', 'GET'], ['/metrics', 'POST', 'GET'], ['/.well-known/jwks.json', 'POST', 'GET'], ['/dci/openapi.json', 'POST', 'GET']]) {
      expect(await answer(path, method)).toEqual({ path, method, status: 405, allow, type: 'application/json', body: { errors: [{ message: `this path takes ${allow} only`, extensions: { code: 'METHOD_NOT_ALLOWED' } }] } });
    }
    const token = await answer('/oauth2/client/token', 'GET');
    expect(token).toMatchObject({ status: 405, allow: 'POST', type: 'application/json', body: { error: 'invalid_request' } });
    for (const path of ['/nothing', '/oauth2/nothing', '/.well-known/nothing', '/console/nothing.js']) {
      expect(await answer(path, 'GET')).toEqual({ path, method: 'GET', status: 404, allow: null, type: 'application/json', body: { errors: [{ message: 'no endpoint at this path', extensions: { code: 'NOT_FOUND' } }] } });
    }
  });

  it('serves the console pages to GET only, and moves its bare path to its directory with a JSON body', async () => {
    for (const [path, method] of [['/console/', 'POST'], ['/console/console.js', 'PUT'], ['/console', 'DELETE']]) {
      const res = await fetch(`${t.url}${path}`, { method });
      expect({ path, status: res.status, allow: res.headers.get('allow'), body: await res.json() }).toEqual({ path, status: 405, allow: 'GET', body: { errors: [{ message: 'this path takes GET only', extensions: { code: 'METHOD_NOT_ALLOWED' } }] } });
    }
    const bare = await fetch(`${t.url}/console?x=1`, { redirect: 'manual' });
    expect({ status: bare.status, location: bare.headers.get('location'), type: bare.headers.get('content-type')?.split(';')[0] }).toEqual({ status: 301, location: '/console/', type: 'application/json' });
    expect((await fetch(`${t.url}/console/`)).status).toBe(200);
  });
});
