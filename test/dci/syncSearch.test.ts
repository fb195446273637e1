import { seedRegistry, demoUin } from '../../src/registry/seed';
import { signingProfile, validatorFor } from '../../adapters/dci/protocol';
import { startTestGateway, TestGateway } from '../support/gateway';
import { registerPartner, searchItem, TestPartner } from '../support/dciPartner';

describe('DCI sync search', () => {
  let t: TestGateway;
  let partner: TestPartner;
  const validResponse = validatorFor('social', '/registry/sync/search', 'response');

  beforeAll(async () => {
    t = await startTestGateway();
    await seedRegistry(t.gateway.models, { individuals: 300, seed: 3 });
    partner = await registerPartner(t.gateway, { senderId: 'mis.example.org', callbackBase: 'http://127.0.0.1:9/dci', pii: true });
  });
  afterAll(() => t.stop());

  const verifyWithOurJwks = async (body: Record<string, unknown>, raw: string) => {
    const jwks = (await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    const resolver = async () => jwks.keys.map((jwk) => ({ kid: jwk.kid, jwk }));
    return signingProfile('default').verify({ body, rawBody: raw, headers: {} }, resolver);
  };

  it('finds a person by identifier, in a signed, schema-valid envelope', async () => {
    const uin = demoUin(3, 5);
    const res = await partner.send('/registry/sync/search', 'search', {
      transaction_id: 'txn-1',
      search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: uin }, response_entity: 'Member' }, 'ref-1')],
    });
    expect(res.status).toBe(200);
    expect(validResponse(res.body)).toEqual({ ok: true });
    expect(res.body.header).toMatchObject({ action: 'on-search', status: 'succ', receiver_id: 'mis.example.org' });
    const item = res.body.message.search_response[0];
    expect(item).toMatchObject({ reference_id: 'ref-1', status: 'succ', pagination: { total_count: 1, page_number: 1 } });
    const ids = item.data.reg_records[0].demographic_info.identifier.map((i: { identifier_value: string }) => i.identifier_value);
    expect(ids).toContain(uin);
    await expect(verifyWithOurJwks(res.body, res.raw)).resolves.toMatchObject({ ok: true });
  });

  it('pages a predicate search across pages without overlap', async () => {
    const page = async (n: number) => {
      const res = await partner.send('/registry/sync/search', 'search', {
        transaction_id: `txn-page-${n}`,
        search_request: [
          searchItem({
            query_type: 'predicate',
            query: [{ seq_num: 1, expression1: { attribute_name: 'age', operator: 'ge', attribute_value: '18' } }],
            response_entity: 'Member',
            sort: [{ attribute_name: 'birth_date', sort_order: 'asc' }],
            pagination: { page_size: 50, page_number: n },
          }),
        ],
      });
      expect(validResponse(res.body)).toEqual({ ok: true });
      return res.body.message.search_response[0];
    };
    const [first, second] = [await page(1), await page(2)];
    expect(first.data.reg_records).toHaveLength(50);
    expect(first.pagination.total_count).toBe(second.pagination.total_count);
    const uins = (item: any) => item.data.reg_records.map((r: any) => r.demographic_info.identifier.find((i: any) => i.identifier_type === 'UIN').identifier_value);
    const overlap = uins(first).filter((u: string) => uins(second).includes(u));
    expect(overlap).toEqual([]);
  });

  it('answers each item on its own: a bad page size is rejected, the good item still succeeds', async () => {
    const res = await partner.send('/registry/sync/search', 'search', {
      transaction_id: 'txn-mixed',
      search_request: [
        searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(3, 1) }, response_entity: 'Member' }, 'good'),
        searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(3, 1) }, pagination: { page_size: 100000 } }, 'bad'),
      ],
    });
    expect(validResponse(res.body)).toEqual({ ok: true });
    const [good, bad] = res.body.message.search_response;
    expect(good.status).toBe('succ');
    expect(bad).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.pagination.invalid' });
  });

  it('refuses a request without a token, with the spec ERR body', async () => {
    const res = await partner.send('/registry/sync/search', 'search', { transaction_id: 't', search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: '1' } })] }, { token: null });
    expect(res.status).toBe(401);
    expect(res.body.message).toMatchObject({ ack_status: 'ERR', error: { code: 'err.request.unauthorized' } });
  });

  it('refuses a tampered message', async () => {
    const res = await partner.send(
      '/registry/sync/search',
      'search',
      { transaction_id: 't2', search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: '1' } })] },
      { mutate: (b: any) => (b.message.transaction_id = 'changed') },
    );
    expect(res.status).toBe(401);
    expect(res.body.message.error.code).toBe('err.signature.invalid');
  });
});
