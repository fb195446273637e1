/**
 * `header.sender_uri` is optional (social_api_v1.0.0.yaml: "Default uri is assumed to be configured on
 * the gateway as part of sender/receiver onboarding"): without it, or with OpenSPP's empty string, the
 * callback goes to the partner's registered callback base plus the spec's receiver path.
 */
import { seedRegistry, demoUin } from '../../src/registry/seed';
import { validatorFor } from '../../adapters/dci/protocol';
import { startTestGateway, TestGateway } from '../support/gateway';
import { registerPartner, searchItem, TestPartner } from '../support/dciPartner';
import { Receiver, ReceivedRequest, startReceiver, verifyWithGatewayJwks } from '../support/receiver';

jest.setTimeout(60_000);

describe('DCI requests without sender_uri (end to end)', () => {
  let t: TestGateway;
  let receiver: Receiver;
  let partner: TestPartner;
  const SEED = 11;
  const txnOf = (id: string) => (r: ReceivedRequest) => r.body?.message?.transaction_id === id;

  beforeAll(async () => {
    t = await startTestGateway();
    receiver = await startReceiver();
    await seedRegistry(t.gateway.models, { individuals: 40, seed: SEED });
    partner = await registerPartner(t.gateway, { senderId: 'no-uri.mis.example.org', callbackBase: `${receiver.url}/partner/dci`, pii: true });
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.stop();
  });

  const search = (transactionId: string) => ({
    transaction_id: transactionId,
    search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(SEED, 2) }, response_entity: 'Member' }, `ref-${transactionId}`)],
  });

  /** The callback of the transaction, at the registered default URL, schema-valid and signed by us. */
  async function callbackAt(path: string, transactionId: string): Promise<ReceivedRequest> {
    const cb = await receiver.waitFor((r) => r.path === `/partner/dci${path}` && txnOf(transactionId)(r), 15_000);
    expect(validatorFor('social', path, 'request')(cb.body)).toEqual({ ok: true });
    await expect(verifyWithGatewayJwks(t.url, cb)).resolves.toMatchObject({ ok: true });
    return cb;
  }

  it('ACKs an async search without sender_uri and calls back the registered on-search URL', async () => {
    const res = await partner.send('/registry/search', 'search', search('no-uri-search'));
    expect(res.status).toBe(202);
    expect(validatorFor('social', '/registry/search', 'response')(res.body)).toEqual({ ok: true });
    const cb = await callbackAt('/registry/on-search', 'no-uri-search');
    expect(cb.body.message.search_response[0]).toMatchObject({ reference_id: 'ref-no-uri-search', status: 'succ' });
  });

  it('treats an empty sender_uri (as OpenSPP sends it) as absent, the signature covering it as sent', async () => {
    const res = await partner.send('/registry/search', 'search', search('empty-uri-search'), { senderUri: '' });
    expect(JSON.parse(res.raw).message.ack_status).toBe('ACK');
    expect(res.status).toBe(202);
    await callbackAt('/registry/on-search', 'empty-uri-search');
  });

  it('subscribes and unsubscribes without sender_uri, each answered at its registered receiver path', async () => {
    const subscribed = await partner.send('/registry/subscribe', 'subscribe', {
      transaction_id: 'no-uri-subscribe',
      subscribe_request: [
        {
          reference_id: 'ref-no-uri-subscribe',
          timestamp: new Date().toISOString(),
          subscribe_criteria: {
            reg_event_type: 'Death',
            filter_type: 'predicate',
            filter: [{ seq_num: 1, expression1: { attribute_name: 'location', operator: 'eq', attribute_value: 'NR-01' } }],
            notify_record_type: 'Member',
          },
        },
      ],
    });
    expect(subscribed.status).toBe(202);
    const onSubscribe = await callbackAt('/registry/on-subscribe', 'no-uri-subscribe');
    const [item] = onSubscribe.body.message.subscribe_response;
    expect(item.status).toBe('succ');
    const code = item.subscriptions[0].code;

    const unsubscribed = await partner.send('/registry/unsubscribe', 'unsubscribe', {
      transaction_id: 'no-uri-unsubscribe',
      timestamp: new Date().toISOString(),
      subscription_codes: [code],
    });
    expect(unsubscribed.status).toBe(202);
    const onUnsubscribe = await callbackAt('/registry/on-unsubscribe', 'no-uri-unsubscribe');
    expect(onUnsubscribe.body.message).toMatchObject({ status: 'succ', subscription_status: [{ code, status: 'unsubscribe' }] });
  });

  it('still refuses a sender_uri outside the registered base (400 err.sender_uri.invalid)', async () => {
    const res = await partner.send('/registry/search', 'search', search('outside-uri'), { senderUri: `${receiver.url}/elsewhere/registry/on-search` });
    expect({ status: res.status, code: res.body.message.error?.code }).toEqual({ status: 400, code: 'err.sender_uri.invalid' });
  });
});
