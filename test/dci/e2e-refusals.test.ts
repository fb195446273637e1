import { disablePartner } from '../../src/partners/service';
import { seedRegistry, demoUin } from '../../src/registry/seed';
import { newHeader, signingProfile, validatorFor } from '../../adapters/dci/protocol';
import { startTestGateway, TestGateway } from '../support/gateway';
import { registerPartner, searchItem, TestPartner } from '../support/dciPartner';
import { quietPeriod, Receiver, startReceiver } from '../support/receiver';

jest.setTimeout(30_000);

describe('DCI refusals (end to end): spec codes, HTTP statuses, no side effects', () => {
  let t: TestGateway;
  let receiver: Receiver;
  let a: TestPartner;
  let b: TestPartner;
  const SEED = 7;
  const refusedTxns: string[] = [];

  beforeAll(async () => {
    t = await startTestGateway();
    receiver = await startReceiver();
    await seedRegistry(t.gateway.models, { individuals: 60, seed: SEED });
    a = await registerPartner(t.gateway, { senderId: 'refusals-a.example.org', callbackBase: `${receiver.url}/dci`, pii: true });
    b = await registerPartner(t.gateway, { senderId: 'refusals-b.example.org', callbackBase: `${receiver.url}/dci-b`, pii: true });
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.stop();
  });

  const uinSearch = (transactionId: string) => {
    refusedTxns.push(transactionId);
    return { transaction_id: transactionId, search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(SEED, 3) }, response_entity: 'Member' })] };
  };
  const onSearch = () => `${receiver.url}/dci/registry/on-search`;
  const asyncSearch = (partner: TestPartner, transactionId: string, opts: Parameters<TestPartner['send']>[3] = {}) =>
    partner.send('/registry/search', 'search', uinSearch(transactionId), { senderUri: onSearch(), ...opts });

  const postRaw = async (path: string, raw: string, token: string | null, headers: Record<string, string> = {}) => {
    const res = await fetch(`${t.url}/dci${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: raw,
    });
    const text = await res.text();
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, body, raw: text };
  };

  const expectErr = (res: { status: number; body: any }, http: number, code: string) => {
    expect({ status: res.status, code: res.body?.message?.error?.code, ack: res.body?.message?.ack_status }).toEqual({ status: http, code, ack: 'ERR' });
  };

  /** Nothing was stored for the transaction: txn status does not know it. */
  const expectNotStored = async (transactionId: string) => {
    const res = await a.send('/registry/sync/txn/status', 'txn-status', {
      transaction_id: `check-${transactionId}`,
      txnstatus_request: { reference_id: `r-${transactionId}`, txn_type: 'search', attribute_type: 'transaction_id', attribute_value: transactionId },
    });
    expect(res.status).toBe(200);
    expect(res.body.header.status).toBe('rjct');
  };

  it('refuses a request without a token (401 err.request.unauthorized), storing nothing', async () => {
    const res = await asyncSearch(a, 'r-no-token', { token: null });
    expectErr(res, 401, 'err.request.unauthorized');
    await expectNotStored('r-no-token');
  });

  it('refuses a garbage token and an expired token (401 err.request.unauthorized)', async () => {
    expectErr(await asyncSearch(a, 'r-garbage', { token: 'garbage.not.ajwt' }), 401, 'err.request.unauthorized');
    const expiring = await t.gateway.tokens.issue({ subject: a.clientId, scopes: ['dci:search'], kind: 'partner', partnerId: a.senderId, ttlSeconds: 1 } as any);
    await quietPeriod(2100);
    expectErr(await asyncSearch(a, 'r-expired', { token: expiring }), 401, 'err.request.unauthorized');
    // A user token is no partner token.
    const userToken = await asyncSearch(a, 'r-user-token', { token: await t.token(['registry:read']) });
    expectErr(userToken, 401, 'err.request.unauthorized');
    expect(userToken.body.message.error.message).toBe('not a partner token: partners get theirs from POST /oauth2/client/token');
    await expectNotStored('r-garbage');
    await expectNotStored('r-expired');
    await expectNotStored('r-user-token');
  });

  it('refuses subscribe with a token lacking dci:subscribe (403 err.request.forbidden)', async () => {
    const token = await a.token('dci:search');
    const res = await a.send(
      '/registry/subscribe',
      'subscribe',
      {
        transaction_id: 'r-forbidden',
        subscribe_request: [
          {
            reference_id: 'ref-forbidden',
            timestamp: new Date().toISOString(),
            subscribe_criteria: {
              reg_event_type: 'Death',
              filter_type: 'predicate',
              filter: [{ seq_num: 1, expression1: { attribute_name: 'location', operator: 'eq', attribute_value: 'NR-01' } }],
              notify_record_type: 'Member',
            },
          },
        ],
      },
      { token, senderUri: `${receiver.url}/dci/registry/on-subscribe` },
    );
    expectErr(res, 403, 'err.request.forbidden');
    refusedTxns.push('r-forbidden');
  });

  it('refuses an unknown or disabled sender (401 err.request.unauthorized)', async () => {
    const c = await registerPartner(t.gateway, { senderId: 'refusals-c.example.org', callbackBase: `${receiver.url}/dci`, pii: true });
    const token = await c.token();
    await disablePartner(t.gateway.models, c.senderId, new Date());
    expectErr(await asyncSearch(c, 'r-disabled', { token }), 401, 'err.request.unauthorized');
    // A token naming a partner that was never registered.
    const ghost = await t.gateway.tokens.issue({ subject: 'ghost', scopes: ['dci:search'], kind: 'partner', partnerId: 'ghost.example.org', ttlSeconds: 60 } as any);
    expectErr(await asyncSearch(a, 'r-ghost', { token: ghost }), 401, 'err.request.unauthorized');
    await expectNotStored('r-ghost');
  });

  it('refuses an unsigned message (401 err.signature.missing)', async () => {
    expectErr(await asyncSearch(a, 'r-unsigned', { unsigned: true }), 401, 'err.signature.missing');
    await expectNotStored('r-unsigned');
  });

  it('refuses a tampered body (401 err.signature.invalid)', async () => {
    const res = await asyncSearch(a, 'r-tampered', { mutate: (body: any) => (body.message.search_request[0].search_criteria.query.value = demoUin(SEED, 4)) });
    expectErr(res, 401, 'err.signature.invalid');
    await expectNotStored('r-tampered');
  });

  it("refuses B's message signed with A's key (401 err.signature.invalid)", async () => {
    const header = newHeader({ senderId: b.senderId, receiverId: 'dci-gateway', action: 'search', totalCount: 1, senderUri: `${receiver.url}/dci-b/registry/on-search` });
    const signed = await signingProfile('default').sign({ header, message: uinSearch('r-wrong-key') }, a.key);
    const res = await postRaw('/registry/search', signed.rawBody, await b.token(), signed.headers);
    expectErr(res, 401, 'err.signature.invalid');
  });

  it("refuses a message whose sender_id is not the token's partner (401 err.sender_id.invalid)", async () => {
    const header = newHeader({ senderId: a.senderId, receiverId: 'dci-gateway', action: 'search', totalCount: 1, senderUri: onSearch() });
    const signed = await signingProfile('default').sign({ header, message: uinSearch('r-wrong-sender') }, a.key);
    const res = await postRaw('/registry/search', signed.rawBody, await b.token(), signed.headers);
    expectErr(res, 401, 'err.sender_id.invalid');
    await expectNotStored('r-wrong-sender');
  });

  it('answers a replayed message id on sync search with header rjct.message_id.duplicate', async () => {
    const header = newHeader({ senderId: a.senderId, receiverId: 'dci-gateway', action: 'search', totalCount: 1 });
    const signed = await signingProfile('default').sign({ header, message: uinSearch('r-replay') }, a.key);
    const token = await a.token();
    const first = await postRaw('/registry/sync/search', signed.rawBody, token, signed.headers);
    expect(first.status).toBe(200);
    expect(first.body.header.status).toBe('succ');
    const second = await postRaw('/registry/sync/search', signed.rawBody, token, signed.headers);
    expect(second.status).toBe(200);
    expect(validatorFor('social', '/registry/sync/search', 'response')(second.body)).toEqual({ ok: true });
    expect(second.body.header).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.message_id.duplicate' });
    expect(second.body.message?.search_response ?? []).toEqual([]);
    // The replay's search ran alongside the guard's write, but nothing of it was disclosed or recorded.
    expect(await t.gateway.models.Disclosure.countDocuments({ transactionId: 'r-replay' })).toBe(1);
  });

  it('answers one of two copies of a sync message sent at once, and the other rjct.message_id.duplicate', async () => {
    for (const [path, action, message] of [
      ['/registry/sync/search', 'search', uinSearch('r-race')],
      ['/registry/sync/txn/status', 'txn-status', { transaction_id: 'r-race-status', txnstatus_request: { reference_id: 'r1', txn_type: 'search', attribute_type: 'transaction_id', attribute_value: 'r-race' } }],
    ] as const) {
      const header = newHeader({ senderId: a.senderId, receiverId: 'dci-gateway', action, totalCount: 1 });
      const signed = await signingProfile('default').sign({ header, message }, a.key);
      const token = await a.token();
      const copies = await Promise.all([1, 2].map(() => postRaw(path, signed.rawBody, token, signed.headers)));
      expect(copies.map((c) => c.status)).toEqual([200, 200]);
      const duplicate = (c: (typeof copies)[number]) => c.body.header.status_reason_code === 'rjct.message_id.duplicate';
      expect(copies.filter(duplicate)).toHaveLength(1);
      // The other copy is answered: a search finds its person; a status request reports the search (not one of its async transactions).
      const answered = copies.find((c) => !duplicate(c))!.body;
      if (action === 'search') expect(answered.header.status).toBe('succ');
      else expect(answered.message).toMatchObject({ transaction_id: 'r-race-status', txnstatus_response: { txn_type: 'search' } });
    }
    expect(await t.gateway.models.Disclosure.countDocuments({ transactionId: 'r-race' })).toBe(1);
  });

  it('refuses a replayed message id on the async endpoint without a second callback', async () => {
    const header = newHeader({ senderId: a.senderId, receiverId: 'dci-gateway', action: 'search', totalCount: 1, senderUri: onSearch() });
    const message = uinSearch('r-async-replay');
    refusedTxns.pop(); // the first one is legitimately answered
    const signed = await signingProfile('default').sign({ header, message }, a.key);
    const token = await a.token();
    expect((await postRaw('/registry/search', signed.rawBody, token, signed.headers)).status).toBe(202);
    const second = await postRaw('/registry/search', signed.rawBody, token, signed.headers);
    expect(second.status).toBeGreaterThanOrEqual(400);
    expect(second.body.message.ack_status).toBe('ERR');
    await receiver.waitFor((r) => r.body?.message?.transaction_id === 'r-async-replay');
    await quietPeriod(1500);
    expect(receiver.matching((r) => r.body?.message?.transaction_id === 'r-async-replay')).toHaveLength(1);
  });

  it('answers a stale message_ts on sync search with header rjct.message_ts.invalid', async () => {
    const res = await a.send('/registry/sync/search', 'search', uinSearch('r-stale'), { header: { message_ts: new Date(Date.now() - 10 * 60_000).toISOString() } });
    expect(res.status).toBe(200);
    expect(res.body.header).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.message_ts.invalid' });
    expect(res.body.message?.search_response ?? []).toEqual([]);
  });

  it('refuses a schema-invalid body (400 err.request.bad)', async () => {
    refusedTxns.push('r-schema');
    const res = await a.send('/registry/search', 'search', { transaction_id: 'r-schema', search_request: 'not an array' }, { senderUri: onSearch() });
    expectErr(res, 400, 'err.request.bad');
    await expectNotStored('r-schema');
  });

  it('refuses malformed JSON (400 err.request.bad)', async () => {
    const res = await a.send('/registry/search', 'search', uinSearch('r-malformed'), { senderUri: onSearch(), raw: '{' });
    expectErr(res, 400, 'err.request.bad');
    await expectNotStored('r-malformed');
  });

  it('refuses a body over 1 MiB (413 err.request.bad)', async () => {
    const message = uinSearch('r-oversized') as Record<string, unknown>;
    const res = await postRaw('/registry/search', JSON.stringify({ header: {}, message: { ...message, padding: 'x'.repeat(1024 * 1024 + 10) } }), await a.token());
    expectErr(res, 413, 'err.request.bad');
    await expectNotStored('r-oversized');
  });

  it('refuses a callback URL outside the registered base (400 err.sender_uri.invalid), delivering nothing', async () => {
    expectErr(await asyncSearch(a, 'r-outside', { senderUri: `${receiver.url}/elsewhere/registry/on-search` }), 400, 'err.sender_uri.invalid');
    expectErr(await asyncSearch(a, 'r-sibling', { senderUri: `${receiver.url}/dci-b/registry/on-search` }), 400, 'err.sender_uri.invalid');
    expectErr(await asyncSearch(a, 'r-other-host', { senderUri: 'http://localhost:9/dci/registry/on-search' }), 400, 'err.sender_uri.invalid');
    for (const id of ['r-outside', 'r-sibling', 'r-other-host']) await expectNotStored(id);
  });

  it('rejects an item whose query attribute is outside the partner allowlist (rjct.filter.invalid)', async () => {
    const d = await registerPartner(t.gateway, { senderId: 'refusals-d.example.org', callbackBase: `${receiver.url}/dci`, queryAttributes: ['UIN'] });
    const res = await d.send('/registry/sync/search', 'search', {
      transaction_id: 'r-allowlist',
      search_request: [
        searchItem({ query_type: 'predicate', query: [{ seq_num: 1, expression1: { attribute_name: 'sex', operator: 'eq', attribute_value: 'female' } }], response_entity: 'Member' }, 'by-sex'),
        searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(SEED, 3) }, response_entity: 'Member' }, 'by-uin'),
      ],
    });
    expect(res.status).toBe(200);
    expect(validatorFor('social', '/registry/sync/search', 'response')(res.body)).toEqual({ ok: true });
    const [bySex, byUin] = res.body.message.search_response;
    expect(bySex).toMatchObject({ reference_id: 'by-sex', status: 'rjct', status_reason_code: 'rjct.filter.invalid' });
    expect(bySex.data).toBeUndefined();
    expect(byUin).toMatchObject({ reference_id: 'by-uin', status: 'succ' });
  });

  it('rejects an item asking for too large a page (rjct.pagination.invalid)', async () => {
    const res = await a.send('/registry/sync/search', 'search', {
      transaction_id: 'r-page',
      search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(SEED, 3) }, response_entity: 'Member', pagination: { page_size: 1000, page_number: 1 } }, 'big')],
    });
    expect(res.status).toBe(200);
    expect(res.body.message.search_response[0]).toMatchObject({ reference_id: 'big', status: 'rjct', status_reason_code: 'rjct.pagination.invalid' });
  });

  it('refuses a search whose items could bring back over 10,000 records (400 err.request.bad, rjct.total_count.limit_exceeded), storing nothing', async () => {
    // Each item's page is within bounds; together they ask for 101 pages of 100.
    const page = (i: number) => searchItem({ query_type: 'predicate', query: [{ seq_num: 1, expression1: { attribute_name: 'age', operator: 'gt', attribute_value: '150' } }], response_entity: 'Member', pagination: { page_size: 100, page_number: 1 } }, `page-${i}`);
    const lookup = (i: number) => searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(SEED, (i % 50) + 1) }, response_entity: 'Member' }, `uin-${i}`);
    const pages = Array.from({ length: 101 }, (_, i) => page(i));

    const sync = await a.send('/registry/sync/search', 'search', { transaction_id: 'r-too-much', search_request: pages });
    expectErr(sync, 400, 'err.request.bad');
    expect(sync.body.message.error.message).toMatch(/^rjct\.total_count\.limit_exceeded: the 101 items could bring back 10100 records, over the 10000/);
    refusedTxns.push('r-too-much-async');
    expectErr(await a.send('/registry/search', 'search', { transaction_id: 'r-too-much-async', search_request: pages }, { senderUri: onSearch() }), 400, 'err.request.bad');
    await expectNotStored('r-too-much-async');

    // The bound is on records: 99 pages of 100 and 100 identifier lookups (one record each) make 10,000, answered.
    const atBound = await a.send('/registry/sync/search', 'search', { transaction_id: 'r-at-bound', search_request: [...pages.slice(0, 99), ...Array.from({ length: 100 }, (_, i) => lookup(i))] });
    expect(atBound.status).toBe(200);
    expect(atBound.body.header.status).toBe('succ');
    const answered = atBound.body.message.search_response;
    expect(answered).toHaveLength(199);
    expect(answered.filter((item: { status: string }) => item.status !== 'succ').slice(0, 2)).toEqual([]);
  });

  it('refuses a subscribe or unsubscribe message of over 100 items (400 err.request.bad, rjct.total_count.limit_exceeded), storing nothing', async () => {
    const criteria = { reg_event_type: 'Death', filter_type: 'predicate', filter: [{ seq_num: 1, expression1: { attribute_name: 'age', operator: 'gt', attribute_value: '150' } }], notify_record_type: 'Member' };
    const items = Array.from({ length: 101 }, (_, i) => ({ reference_id: `s-${i}`, timestamp: new Date().toISOString(), subscribe_criteria: criteria }));
    refusedTxns.push('r-subscribe-many', 'r-unsubscribe-many');
    const subscribe = await a.send('/registry/subscribe', 'subscribe', { transaction_id: 'r-subscribe-many', subscribe_request: items }, { senderUri: `${receiver.url}/dci/registry/on-subscribe` });
    expectErr(subscribe, 400, 'err.request.bad');
    expect(subscribe.body.message.error.message).toMatch(/^rjct\.total_count\.limit_exceeded: subscribe_request holds 101 items, over the 100/);
    await expectNotStored('r-subscribe-many');

    const codes = Array.from({ length: 101 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const unsubscribe = await a.send('/registry/unsubscribe', 'unsubscribe', { transaction_id: 'r-unsubscribe-many', timestamp: new Date().toISOString(), subscription_codes: codes }, { senderUri: `${receiver.url}/dci/registry/on-unsubscribe` });
    expectErr(unsubscribe, 400, 'err.request.bad');
    expect(unsubscribe.body.message.error.message).toMatch(/^rjct\.total_count\.limit_exceeded: subscription_codes holds 101 items/);
    await expectNotStored('r-unsubscribe-many');
  });

  it('delivered no callback for any refused message', async () => {
    await quietPeriod(1500);
    const leaked = receiver.matching((r) => refusedTxns.includes(r.body?.message?.transaction_id));
    expect(leaked.map((r) => `${r.path} ${r.body?.message?.transaction_id}`)).toEqual([]);
    expect(receiver.matching((r) => !r.path.startsWith('/dci/registry/on-search'))).toEqual([]);
  });
});
