/**
 * One partner read per inbound message: the directory's read serves the rate limit, the signing
 * profile and the keys. Nothing is kept between messages, so a revoked key is refused from the next
 * message on.
 */
import mongoose from 'mongoose';
import { updatePartner } from '../../src/partners/service';
import { seedRegistry, demoUin } from '../../src/registry/seed';
import { newHeader, signingProfile } from '../../adapters/dci/protocol';
import { startTestGateway, TestGateway } from '../support/gateway';
import { newPartnerKey, registerPartner, searchItem, TestPartner } from '../support/dciPartner';

jest.setTimeout(60_000);

describe('partner reads per DCI message (end to end)', () => {
  let t: TestGateway;
  let partner: TestPartner;
  const SEED = 23;

  beforeAll(async () => {
    t = await startTestGateway();
    await seedRegistry(t.gateway.models, { individuals: 10, seed: SEED });
    partner = await registerPartner(t.gateway, { senderId: 'reads.mis.example.org', callbackBase: 'http://127.0.0.1:9/dci', pii: true });
    // Only the request's own commands are counted.
    await t.pauseBackgroundWork();
  });
  afterAll(async () => {
    await t?.stop();
  });

  async function syncSearch(token: string) {
    const header = newHeader({ senderId: partner.senderId, receiverId: 'dci-gateway', action: 'search', totalCount: 1 });
    const message = { transaction_id: `reads-${header.message_id}`, search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(SEED, 1) }, response_entity: 'Member' })] };
    const signed = await signingProfile('default').sign({ header, message }, partner.key);
    const res = await fetch(`${t.url}/dci/registry/sync/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...signed.headers },
      body: signed.rawBody,
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  it('reads the partner once for a signed sync search', async () => {
    const token = await partner.token();
    // Every collection call made through mongoose, as its debug hook reports them.
    const reads: string[] = [];
    mongoose.set('debug', (collection: string, method: string) => {
      if (collection === 'partners' && method.startsWith('find')) reads.push(method);
    });
    try {
      const res = await syncSearch(token);
      expect(res.status).toBe(200);
      expect(res.body.header.status).toBe('succ');
    } finally {
      mongoose.set('debug', false);
    }
    expect(reads).toHaveLength(1);
  });

  it('refuses the next message once its key is replaced, though the last one verified', async () => {
    const token = await partner.token();
    expect((await syncSearch(token)).status).toBe(200);
    await updatePartner(t.gateway.models, partner.senderId, { publicKeys: [newPartnerKey().publicJwk] }, new Date());
    const refused = await syncSearch(token);
    expect({ status: refused.status, code: refused.body.message?.error?.code }).toEqual({ status: 401, code: 'err.signature.invalid' });
  });
});
