/**
 * A refused message does not use up its message_id: whatever it was refused for, the partner can
 * correct it and send it again under the same id. Only an accepted message is remembered by the
 * replay guard.
 */
import { randomUUID } from 'node:crypto';
import { updatePartner } from '../../src/partners/service';
import { seedRegistry, demoUin } from '../../src/registry/seed';
import { newHeader, signingProfile } from '../../adapters/dci/protocol';
import { startTestGateway, TestGateway } from '../support/gateway';
import { registerPartner, searchItem, TestPartner } from '../support/dciPartner';
import { Receiver, startReceiver } from '../support/receiver';

jest.setTimeout(60_000);

describe('DCI refusals leave the message id unused (end to end)', () => {
  let t: TestGateway;
  let receiver: Receiver;
  let partner: TestPartner;
  const SEED = 13;

  beforeAll(async () => {
    t = await startTestGateway();
    receiver = await startReceiver();
    await seedRegistry(t.gateway.models, { individuals: 30, seed: SEED });
    partner = await registerPartner(t.gateway, { senderId: 'resend.mis.example.org', callbackBase: `${receiver.url}/dci`, pii: true });
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.stop();
  });

  const search = (transactionId: string) => ({
    transaction_id: transactionId,
    search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(SEED, 1) }, response_entity: 'Member' })],
  });
  const errCode = (res: { body: any }) => res.body?.message?.error?.code;

  it('accepts a message refused for its sender_uri once the sender_uri is corrected', async () => {
    const messageId = randomUUID();
    const refused = await partner.send('/registry/search', 'search', search('resend-uri'), { header: { message_id: messageId }, senderUri: `${receiver.url}/elsewhere/on-search` });
    expect({ status: refused.status, code: errCode(refused) }).toEqual({ status: 400, code: 'err.sender_uri.invalid' });

    const resent = await partner.send('/registry/search', 'search', search('resend-uri'), { header: { message_id: messageId }, senderUri: `${receiver.url}/dci/registry/on-search` });
    expect(resent.status).toBe(202);
    await receiver.waitFor((r) => r.body?.message?.transaction_id === 'resend-uri');
    // Accepted once, the id is used up.
    const again = await partner.send('/registry/search', 'search', search('resend-uri'), { header: { message_id: messageId }, senderUri: `${receiver.url}/dci/registry/on-search` });
    expect(again.status).toBe(400);
    expect(again.body.message.ack_status).toBe('ERR');
  });

  it('accepts a message refused for its schema, its signature or its content type once corrected', async () => {
    const messageId = randomUUID();
    const badSchema = await partner.send('/registry/sync/search', 'search', { transaction_id: 'resend-sync', search_request: 'not an array' }, { header: { message_id: messageId } });
    expect({ status: badSchema.status, code: errCode(badSchema) }).toEqual({ status: 400, code: 'err.request.bad' });

    const tampered = await partner.send('/registry/sync/search', 'search', search('resend-sync'), {
      header: { message_id: messageId },
      mutate: (body: any) => (body.message.transaction_id = 'resend-sync-tampered'),
    });
    expect({ status: tampered.status, code: errCode(tampered) }).toEqual({ status: 401, code: 'err.signature.invalid' });

    const header = newHeader({ senderId: partner.senderId, receiverId: 'dci-gateway', action: 'search', totalCount: 1 });
    header.message_id = messageId;
    const signed = await signingProfile('default').sign({ header, message: search('resend-sync') }, partner.key);
    const token = await partner.token();
    const post = (contentType: string) =>
      fetch(`${t.url}/dci/registry/sync/search`, { method: 'POST', headers: { 'content-type': contentType, authorization: `Bearer ${token}` }, body: signed.rawBody });
    const asText = await post('text/plain');
    expect(asText.status).toBe(415);
    expect(((await asText.json()) as any).message.error.code).toBe('err.request.bad');

    const accepted = await post('application/json');
    expect(accepted.status).toBe(200);
    expect(((await accepted.json()) as any).header.status).toBe('succ');
    const replayed = await post('application/json');
    expect(((await replayed.json()) as any).header).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.message_id.duplicate' });
  });

  it('accepts a message refused for the rate limit once the partner has room again', async () => {
    const limited = await registerPartner(t.gateway, { senderId: 'resend-limited.mis.example.org', callbackBase: `${receiver.url}/dci`, rateLimitPerMinute: 1 });
    const first = await limited.send('/registry/sync/search', 'search', search('limited-1'));
    expect(first.status).toBe(200);
    const messageId = randomUUID();
    const refused = await limited.send('/registry/sync/search', 'search', search('limited-2'), { header: { message_id: messageId } });
    expect({ status: refused.status, code: errCode(refused) }).toEqual({ status: 429, code: 'err.request.too_many_requests' });

    await updatePartner(t.gateway.models, limited.senderId, { rateLimitPerMinute: 10 }, new Date());
    const resent = await limited.send('/registry/sync/search', 'search', search('limited-2'), { header: { message_id: messageId } });
    expect(resent.status).toBe(200);
    expect(resent.body.header.status).toBe('succ');
  });
});
