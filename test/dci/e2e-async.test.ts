import { seedRegistry, demoUin } from '../../src/registry/seed';
import { validatorFor } from '../../adapters/dci/protocol';
import { startTestGateway, TestGateway } from '../support/gateway';
import { registerPartner, searchItem, TestPartner } from '../support/dciPartner';
import { quietPeriod, Receiver, ReceivedRequest, startReceiver, verifyWithGatewayJwks } from '../support/receiver';

jest.setTimeout(30_000);

describe('DCI async search, callbacks and transaction status (end to end)', () => {
  let t: TestGateway;
  let receiver: Receiver;
  let partner: TestPartner;
  const SEED = 5;
  const onSearchUri = () => `${receiver.url}/dci/registry/on-search`;
  const txnOf = (id: string) => (r: ReceivedRequest) => r.body?.message?.transaction_id === id;

  beforeAll(async () => {
    t = await startTestGateway();
    receiver = await startReceiver();
    await seedRegistry(t.gateway.models, { individuals: 120, seed: SEED });
    partner = await registerPartner(t.gateway, { senderId: 'async.mis.example.org', callbackBase: `${receiver.url}/dci`, pii: true });
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.stop();
  });

  const asyncSearch = (transactionId: string, uin = demoUin(SEED, 7)) =>
    partner.send(
      '/registry/search',
      'search',
      { transaction_id: transactionId, search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: uin }, response_entity: 'Member' }, `ref-${transactionId}`)] },
      { senderUri: onSearchUri() },
    );

  it('ACKs an async search with 202 and delivers a signed, schema-valid on-search callback', async () => {
    const res = await asyncSearch('txn-async-1');
    expect(res.status).toBe(202);
    expect(validatorFor('social', '/registry/search', 'response')(res.body)).toEqual({ ok: true });
    expect(res.body.message.ack_status).toBe('ACK');

    const cb = await receiver.waitFor((r) => r.path === '/dci/registry/on-search' && txnOf('txn-async-1')(r));
    expect(validatorFor('social', '/registry/on-search', 'request')(cb.body)).toEqual({ ok: true });
    await expect(verifyWithGatewayJwks(t.url, cb)).resolves.toMatchObject({ ok: true });
    expect(cb.body.header).toMatchObject({ action: 'on-search', status: 'succ', receiver_id: partner.senderId });
    const item = cb.body.message.search_response[0];
    expect(item).toMatchObject({ reference_id: 'ref-txn-async-1', status: 'succ' });
    expect(item.data.reg_records.length).toBeGreaterThan(0);
    const ids = item.data.reg_records[0].demographic_info.identifier.map((i: { identifier_value: string }) => i.identifier_value);
    expect(ids).toContain(demoUin(SEED, 7));
  });

  it('retries a callback the partner answered with 500, and delivers one message id only', async () => {
    receiver.failNext(2, 500, (p) => p === '/dci/registry/on-search');
    const res = await asyncSearch('txn-async-retry', demoUin(SEED, 9));
    expect(res.status).toBe(202);
    const attempts = await receiver.waitForCount((r) => r.path === '/dci/registry/on-search' && txnOf('txn-async-retry')(r), 3, 20_000);
    expect(attempts.map((a) => a.answeredWith)).toEqual([500, 500, 200]);
    // Once delivered, never again.
    await quietPeriod(2500);
    const all = receiver.matching((r) => r.path === '/dci/registry/on-search' && txnOf('txn-async-retry')(r));
    expect(all).toHaveLength(3);
    expect(new Set(all.map((a) => a.body.header.message_id)).size).toBe(1);
    const delivered = all[2];
    expect(validatorFor('social', '/registry/on-search', 'request')(delivered.body)).toEqual({ ok: true });
    await expect(verifyWithGatewayJwks(t.url, delivered)).resolves.toMatchObject({ ok: true });
  });

  const txnStatusMessage = (transactionId: string, target: string) => ({
    transaction_id: transactionId,
    txnstatus_request: { reference_id: `ref-${transactionId}`, txn_type: 'search', attribute_type: 'transaction_id', attribute_value: target },
  });

  it('reports a finished async search through sync txn status, with its result', async () => {
    await receiver.waitFor((r) => r.path === '/dci/registry/on-search' && txnOf('txn-async-1')(r) && r.answeredWith === 200);
    const res = await partner.send('/registry/sync/txn/status', 'txn-status', txnStatusMessage('txn-status-1', 'txn-async-1'));
    expect(res.status).toBe(200);
    expect(validatorFor('social', '/registry/sync/txn/status', 'response')(res.body)).toEqual({ ok: true });
    expect(res.body.header).toMatchObject({ action: 'txn-on-status', status: 'succ' });
    await expect(verifyWithGatewayJwks(t.url, { body: res.body, raw: res.raw, headers: {} })).resolves.toMatchObject({ ok: true });
    const status = res.body.message.txnstatus_response;
    expect(status.txn_type).toBe('search');
    expect(status.txn_status.transaction_id).toBe('txn-async-1');
    expect(status.txn_status.search_response[0]).toMatchObject({ reference_id: 'ref-txn-async-1', status: 'succ' });
    expect(status.txn_status.search_response[0].data.reg_records.length).toBeGreaterThan(0);
  });

  it('rejects sync txn status of an unknown transaction', async () => {
    const res = await partner.send('/registry/sync/txn/status', 'txn-status', txnStatusMessage('txn-status-2', 'no-such-transaction'));
    expect(res.status).toBe(200);
    expect(validatorFor('social', '/registry/sync/txn/status', 'response')(res.body)).toEqual({ ok: true });
    expect(res.body.header.status).toBe('rjct');
  });

  it('answers async txn status with a txn/on-status callback', async () => {
    const res = await partner.send('/registry/txn/status', 'txn-status', txnStatusMessage('txn-status-async', 'txn-async-1'), {
      senderUri: `${receiver.url}/dci/registry/txn/on-status`,
    });
    expect(res.status).toBe(202);
    expect(validatorFor('social', '/registry/txn/status', 'response')(res.body)).toEqual({ ok: true });
    const cb = await receiver.waitFor((r) => r.path === '/dci/registry/txn/on-status' && txnOf('txn-status-async')(r));
    expect(validatorFor('social', '/registry/txn/on-status', 'request')(cb.body)).toEqual({ ok: true });
    await expect(verifyWithGatewayJwks(t.url, cb)).resolves.toMatchObject({ ok: true });
    expect(cb.body.header).toMatchObject({ action: 'txn-on-status', status: 'succ' });
    expect(cb.body.message.txnstatus_response.txn_status).toMatchObject({ transaction_id: 'txn-async-1' });
    expect(cb.body.message.txnstatus_response.txn_status.search_response[0].status).toBe('succ');
  });
});
