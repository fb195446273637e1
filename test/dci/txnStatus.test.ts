/**
 * Transaction status always lets the partner match the answer: the request's transaction_id and a
 * correlation_id in every reply, also when nothing matches; and any transaction of the partner can be
 * looked up by transaction_id, correlation_id or reference ids, other status requests included.
 */
import { seedRegistry, demoUin } from '../../src/registry/seed';
import { validatorFor } from '../../adapters/dci/protocol';
import { startTestGateway, TestGateway } from '../support/gateway';
import { registerPartner, searchItem, TestPartner } from '../support/dciPartner';
import { Receiver, ReceivedRequest, startReceiver } from '../support/receiver';

jest.setTimeout(60_000);

describe('DCI transaction status (end to end)', () => {
  let t: TestGateway;
  let receiver: Receiver;
  let partner: TestPartner;
  let other: TestPartner;
  const SEED = 17;
  const txnOf = (id: string) => (r: ReceivedRequest) => r.body?.message?.transaction_id === id;
  const validSyncReply = validatorFor('social', '/registry/sync/txn/status', 'response');

  beforeAll(async () => {
    t = await startTestGateway();
    receiver = await startReceiver();
    await seedRegistry(t.gateway.models, { individuals: 30, seed: SEED });
    partner = await registerPartner(t.gateway, { senderId: 'status.mis.example.org', callbackBase: `${receiver.url}/dci`, pii: true });
    other = await registerPartner(t.gateway, { senderId: 'status-other.mis.example.org', callbackBase: `${receiver.url}/dci`, pii: true });
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.stop();
  });

  const statusRequest = (transactionId: string, attributeType: string, attributeValue: string | string[]) => ({
    transaction_id: transactionId,
    txnstatus_request: { reference_id: `ref-${transactionId}`, txn_type: 'search', attribute_type: attributeType, attribute_value: attributeValue },
  });
  const syncStatus = async (p: TestPartner, transactionId: string, attributeType: string, attributeValue: string | string[]) => {
    const res = await p.send('/registry/sync/txn/status', 'txn-status', statusRequest(transactionId, attributeType, attributeValue));
    expect(res.status).toBe(200);
    expect(validSyncReply(res.body)).toEqual({ ok: true });
    return res.body;
  };

  /** An async search, answered and delivered; its correlation id from the ACK. */
  async function answeredSearch(transactionId: string, referenceId: string): Promise<string> {
    const res = await partner.send('/registry/search', 'search', {
      transaction_id: transactionId,
      search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(SEED, 4) }, response_entity: 'Member' }, referenceId)],
    });
    expect(res.status).toBe(202);
    await receiver.waitFor((r) => r.path === '/dci/registry/on-search' && txnOf(transactionId)(r) && r.answeredWith === 200, 15_000);
    return res.body.message.correlation_id;
  }

  it('answers a sync status that matches nothing with the request ids and rjct.reference_id.invalid inside', async () => {
    const body = await syncStatus(partner, 'status-nothing', 'transaction_id', 'no-such-transaction');
    expect(body.header).toMatchObject({ action: 'txn-on-status', status: 'rjct' });
    expect(body.message.transaction_id).toBe('status-nothing');
    expect(typeof body.message.correlation_id).toBe('string');
    expect(body.message.txnstatus_response.txn_status.search_response).toEqual([
      expect.objectContaining({ reference_id: 'ref-status-nothing', status: 'rjct', status_reason_code: 'rjct.reference_id.invalid' }),
    ]);
  });

  it('answers an async status that matches nothing with a txn/on-status callback carrying the request ids', async () => {
    const res = await partner.send('/registry/txn/status', 'txn-status', statusRequest('status-nothing-async', 'correlation_id', 'no-such-correlation'));
    expect(res.status).toBe(202);
    const cb = await receiver.waitFor((r) => r.path === '/dci/registry/txn/on-status' && txnOf('status-nothing-async')(r), 15_000);
    expect(validatorFor('social', '/registry/txn/on-status', 'request')(cb.body)).toEqual({ ok: true });
    expect(cb.body.header).toMatchObject({ action: 'txn-on-status', status: 'rjct' });
    expect(cb.body.message.correlation_id).toBe(res.body.message.correlation_id);
    expect(cb.body.message.txnstatus_response.txn_status.search_response[0]).toMatchObject({ reference_id: 'ref-status-nothing-async', status_reason_code: 'rjct.reference_id.invalid' });
  });

  it('finds a transaction by transaction_id, correlation_id and reference_id_list', async () => {
    const correlationId = await answeredSearch('status-target', 'ref-target-item');
    for (const [attribute, value] of [
      ['transaction_id', 'status-target'],
      ['correlation_id', correlationId],
      ['reference_id_list', ['unknown-ref', 'ref-target-item']],
    ] as const) {
      const body = await syncStatus(partner, `status-by-${attribute}`, attribute, value as string | string[]);
      expect(body.header.status).toBe('succ');
      expect(body.message.transaction_id).toBe(`status-by-${attribute}`);
      expect(body.message.txnstatus_response.txn_status).toMatchObject({ transaction_id: 'status-target', correlation_id: correlationId });
      expect(body.message.txnstatus_response.txn_status.search_response[0]).toMatchObject({ reference_id: 'ref-target-item', status: 'succ' });
    }
  });

  it('finds another status request of the partner', async () => {
    await answeredSearch('status-target-2', 'ref-target-2');
    const asked = await partner.send('/registry/txn/status', 'txn-status', statusRequest('status-earlier', 'transaction_id', 'status-target-2'));
    expect(asked.status).toBe(202);
    await receiver.waitFor((r) => r.path === '/dci/registry/txn/on-status' && txnOf('status-earlier')(r), 15_000);
    const body = await syncStatus(partner, 'status-of-status', 'transaction_id', 'status-earlier');
    expect(body.header.status).toBe('succ');
    expect(body.message.txnstatus_response.txn_status).toMatchObject({ transaction_id: 'status-earlier', correlation_id: asked.body.message.correlation_id });
  });

  it("never reports another partner's transaction", async () => {
    await answeredSearch('status-private', 'ref-private');
    const body = await syncStatus(other, 'status-snoop', 'transaction_id', 'status-private');
    expect(body.header.status).toBe('rjct');
    expect(body.message.txnstatus_response.txn_status.search_response[0].status_reason_code).toBe('rjct.reference_id.invalid');
  });
});
