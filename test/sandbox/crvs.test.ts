import { validatorFor } from '../../adapters/dci/protocol';
import { searchItem, send, useConnectedSandbox, verifySandboxSignature } from './support';

const syncSearchResponse = validatorFor('crvs', '/registry/sync/search', 'response');

describe('sandbox CRVS', () => {
  const w = useConnectedSandbox({ births: 800, asOf: new Date('2026-06-30T00:00:00Z') });
  let base: string;
  const search = (criteria: Record<string, unknown>[], opts: { path?: string; senderUri?: string } = {}) =>
    send(base, opts.path ?? '/registry/sync/search', 'search', { transaction_id: `T-${Date.now()}`, search_request: criteria.map((c) => searchItem(c)) }, w.gateway.key, w.token, opts);

  beforeAll(() => {
    base = w.sandbox.registries.crvs.baseUrl;
  });

  it('finds a birth by BRN: a schema-valid, signed CRVS Person linked to the mother by UIN', async () => {
    const birth = w.sandbox.data.births.find((b) => b.motherInDemo && !b.conflictingDuplicate)!;
    const res = await search([{ query_type: 'idtype-value', query: { type: 'BRN', value: birth.brn }, reg_event_type: 'spdci-common:RegistryEventType:LiveBirth' }]);
    expect(res.status).toBe(200);
    expect(syncSearchResponse(res.body)).toEqual({ ok: true });
    expect(await verifySandboxSignature(w.sandbox.registries.crvs.jwksUrl, res.body, res.raw)).toEqual({ ok: true, kid: expect.any(String) });
    expect(res.body.header).toMatchObject({ action: 'on-search', status: 'succ', sender_id: 'crvs.sandbox', receiver_id: 'dci-gateway.test' });
    const combined = (await (await fetch(`${w.sandbox.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    const own = (await (await fetch(w.sandbox.registries.crvs.jwksUrl)).json()) as { keys: { kid: string }[] };
    expect(combined.keys).toHaveLength(4); // one per registry: CRVS, IBR, DR, social
    expect(combined.keys).toContainEqual(own.keys[0]);
    const [item] = res.body.message.search_response;
    expect(item.pagination).toEqual({ page_size: 100, page_number: 1, total_count: 1 });
    expect(item.data.reg_records[0]).toMatchObject({
      identifier: [{ identifier_type: 'BRN', identifier_value: birth.brn }],
      name: { given_name: birth.givenName, surname: birth.surname },
      sex: birth.sex,
      birth_date: `${birth.birthDate}T00:00:00Z`,
      birth_place: { sub_region_code: birth.area.areaCode },
      parent1_identifier: { identifier_type: 'UIN', identifier_value: birth.motherUin },
    });
    expect(birth.motherUin).toMatch(/^11\d{8}$/);
    expect(Number(birth.motherUin.slice(2))).toBeLessThanOrEqual(2000);
  });

  it('returns both records of a BRN registered twice under different names', async () => {
    const duplicate = w.sandbox.data.births.find((b) => b.conflictingDuplicate)!;
    const res = await search([{ query_type: 'idtype-value', query: { type: 'BRN', value: duplicate.brn } }]);
    const names = res.body.message.search_response[0].data.reg_records.map((r: any) => r.name.given_name);
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
  });

  it('pages through a birth-date range searched with a predicate list', async () => {
    const inRange = w.sandbox.data.births.filter((b) => b.birthDate >= '2024-01-01' && b.birthDate <= '2024-12-31');
    const criteria = (page: number) => ({
      query_type: 'predicate',
      query: [{ seq_num: 1, expression1: { attribute_name: 'birth_date', operator: 'ge', attribute_value: '2024-01-01' }, condition: 'and', expression2: { attribute_name: 'birth_date', operator: 'le', attribute_value: '2024-12-31' } }],
      sort: [{ attribute_name: 'birth_date', sort_order: 'asc' }],
      pagination: { page_size: 25, page_number: page },
    });
    const seen: string[] = [];
    for (let page = 1; seen.length < inRange.length; page++) {
      const res = await search([criteria(page)]);
      expect(syncSearchResponse(res.body)).toEqual({ ok: true });
      expect(await verifySandboxSignature(w.sandbox.registries.crvs.jwksUrl, res.body, res.raw)).toMatchObject({ ok: true });
      const [item] = res.body.message.search_response;
      expect(item.pagination).toEqual({ page_size: 25, page_number: page, total_count: inRange.length });
      expect(item.data.reg_records.length).toBeGreaterThan(0);
      seen.push(...item.data.reg_records.map((r: any) => r.birth_date.slice(0, 10)));
    }
    expect(seen).toEqual(inRange.map((b) => b.birthDate).sort());
  });

  it('searches by area with a Mongo-style expression and by death UIN, item by item', async () => {
    const death = w.sandbox.data.deaths[0];
    const res = await search([
      { query_type: 'expression', reg_event_type: 'LiveBirth', query: { type: 'ns:org:QueryType:expression', value: { expression: { query: { $and: [{ location: { $eq: 'CE-02' } }, { sex: 'female' }] } } } } },
      { query_type: 'idtype-value', query: { type: 'UIN', value: death.uin } },
      { query_type: 'predicate', query: [{ expression1: { attribute_name: 'poverty_score', operator: 'lt', attribute_value: '2' } }] },
    ]);
    expect(syncSearchResponse(res.body)).toEqual({ ok: true });
    const [births, deaths, unknown] = res.body.message.search_response;
    const expected = w.sandbox.data.births.filter((b) => b.area.areaCode === 'CE-02' && b.sex === 'female').length;
    expect(births.pagination.total_count).toBe(expected);
    expect(deaths.data.reg_records).toEqual([
      expect.objectContaining({ identifier: [expect.objectContaining({ identifier_value: death.uin }), expect.objectContaining({ identifier_value: death.drn })], death_date: `${death.deathDate}T00:00:00Z` }),
    ]);
    expect(unknown).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.search_criteria.invalid' });
    expect(res.body.header.status).toBe('succ');
  });

  it('rejects bad pagination per item and malformed envelopes with 400 err.request.bad', async () => {
    const res = await search([{ query_type: 'idtype-value', query: { type: 'BRN', value: 'x' }, pagination: { page_size: 0 } }]);
    expect(res.body.message.search_response[0]).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.pagination.invalid' });
    expect(res.body.header.status).toBe('rjct');

    const bad = await send(base, '/registry/sync/search', 'search', { transaction_id: 'T-bad' }, w.gateway.key, w.token);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatchObject({ ack_status: 'ERR', error: { code: 'err.request.bad' } });

    const notJson = await fetch(`${base}/registry/sync/search`, { method: 'POST', headers: { authorization: `Bearer ${w.token}`, 'content-type': 'application/json' }, body: '{' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as any).message.error.code).toBe('err.request.bad');
  });

  it('refuses unsigned and tampered requests once connected to the gateway', async () => {
    const criteria = { query_type: 'idtype-value', query: { type: 'BRN', value: w.sandbox.data.births[0].brn } };
    const message = { transaction_id: 'T-sig', search_request: [searchItem(criteria)] };
    const unsigned = await send(base, '/registry/sync/search', 'search', message, w.gateway.key, w.token, { unsigned: true });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.message.error.code).toBe('err.signature.missing');
    const tampered = await send(base, '/registry/sync/search', 'search', message, w.gateway.key, w.token, { tamper: (body) => (body.message.transaction_id = 'T-other') });
    expect(tampered.status).toBe(401);
    expect(tampered.body.message.error.code).toBe('err.signature.invalid');
  });

  it('answers an async search with an ACK, then POSTs a signed on-search with a gateway token', async () => {
    const brn = w.sandbox.data.births[3].brn;
    const res = await search([{ query_type: 'idtype-value', query: { type: 'BRN', value: brn } }], { path: '/registry/search', senderUri: `${w.gateway.url}/dci/registry/on-search` });
    expect(res.status).toBe(202);
    expect(validatorFor('crvs', '/registry/search', 'response')(res.body)).toEqual({ ok: true });
    const [callback] = await w.gateway.waitFor('/dci/registry/on-search');
    expect(validatorFor('crvs', '/registry/on-search', 'request')(callback.body)).toEqual({ ok: true });
    expect(await verifySandboxSignature(w.sandbox.registries.crvs.jwksUrl, callback.body, callback.raw)).toMatchObject({ ok: true });
    expect(w.gateway.issued.map((t) => `Bearer ${t}`)).toContain(callback.authorization);
    expect(callback.body.message.correlation_id).toBe(res.body.message.correlation_id);
    expect(callback.body.message.search_response[0].data.reg_records[0].identifier[0].identifier_value).toBe(brn);

    const status = await send(base, '/registry/sync/txn/status', 'txn-status', {
      transaction_id: 'T-status',
      txnstatus_request: { reference_id: 'R-status', txn_type: 'search', attribute_type: 'correlation_id', attribute_value: res.body.message.correlation_id },
    }, w.gateway.key, w.token);
    expect(validatorFor('crvs', '/registry/sync/txn/status', 'response')(status.body)).toEqual({ ok: true });
    expect(status.body.message.txnstatus_response.txn_status.search_response[0].status).toBe('succ');

    const unknown = await send(base, '/registry/sync/txn/status', 'txn-status', {
      transaction_id: 'T-status-2',
      txnstatus_request: { reference_id: 'R-status-2', txn_type: 'search', attribute_type: 'transaction_id', attribute_value: 'never-sent' },
    }, w.gateway.key, w.token);
    expect(validatorFor('crvs', '/registry/sync/txn/status', 'response')(unknown.body)).toEqual({ ok: true });
    expect(unknown.body.header.status).toBe('rjct');
  });

  it('confirms a Death subscription, notifies it on emitDeath, and stops after unsubscribe', async () => {
    const onSubscribe = `${w.gateway.url}/dci/registry/on-subscribe`;
    const subscribed = await send(base, '/registry/subscribe', 'subscribe', {
      transaction_id: 'T-sub',
      subscribe_request: [
        {
          reference_id: 'R-sub',
          timestamp: new Date().toISOString(),
          subscribe_criteria: {
            reg_event_type: 'spdci-common:RegistryEventType:Death',
            filter_type: 'predicate',
            filter: [{ seq_num: 1, expression1: { attribute_name: 'death_date', operator: 'ge', attribute_value: '2026-01-01' } }],
            notify_record_type: 'spdci-extensions-dci:Person',
          },
        },
      ],
    }, w.gateway.key, w.token, { senderUri: onSubscribe });
    expect(subscribed.status).toBe(202);
    const [confirmation] = await w.gateway.waitFor('/dci/registry/on-subscribe');
    expect(validatorFor('crvs', '/registry/on-subscribe', 'request')(confirmation.body)).toEqual({ ok: true });
    const code = confirmation.body.message.subscribe_response[0].subscriptions[0].code;

    await w.sandbox.emitDeath('1100000042', '2026-07-01');
    await w.sandbox.emitDeath('1100000043', '2025-07-01'); // outside the filter: no notification
    const [notify] = await w.gateway.waitFor('/dci/registry/notify');
    expect(validatorFor('crvs', '/registry/notify', 'request')(notify.body)).toEqual({ ok: true });
    expect(await verifySandboxSignature(w.sandbox.registries.crvs.jwksUrl, notify.body, notify.raw)).toMatchObject({ ok: true });
    const event = notify.body.message.notify_event[0];
    expect(event.reference_id).toBe(`${code}:0001`);
    expect(event.data.reg_records.identifier[0]).toMatchObject({ identifier_type: 'UIN', identifier_value: '1100000042' });
    expect(w.sandbox.data.deaths.map((d) => d.uin)).toEqual(expect.arrayContaining(['1100000042', '1100000043']));

    await send(base, '/registry/unsubscribe', 'unsubscribe', { transaction_id: 'T-unsub', timestamp: new Date().toISOString(), subscription_codes: [code] }, w.gateway.key, w.token, {
      senderUri: `${w.gateway.url}/dci/registry/on-unsubscribe`,
    });
    const [unsubscribed] = await w.gateway.waitFor('/dci/registry/on-unsubscribe');
    expect(validatorFor('crvs', '/registry/on-unsubscribe', 'request')(unsubscribed.body)).toEqual({ ok: true });
    expect(unsubscribed.body.message.subscription_status).toEqual([{ code, status: 'unsubscribe' }]);
    await w.sandbox.emitDeath('1100000044', '2026-07-02');
    expect(w.gateway.received.filter((r) => r.path === '/dci/registry/notify')).toHaveLength(1);
  });
});
