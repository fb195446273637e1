/**
 * Purposes and the disclosure audit over HTTP, with partners signing with their own keys: what a
 * search gets when its purpose is allowed, missing or refused (by a partner answered without personal
 * data, and by one whose policy rejects), the disclosure records each answer leaves (sync, async
 * callback, status reply, notification), and reading them through GraphQL with and without audit:read.
 */
import { validatorFor } from '../../adapters/dci/protocol';
import { disclosureRecorder, pruneDisclosures } from '../../src/audit/disclosures';
import { waitFor } from '../jobs/support';
import { registerPartner, searchItem, TestPartner } from '../support/dciPartner';
import { ok, onlyError, startTestGateway, TestGateway, unique, WRITE } from '../support/gateway';
import { Receiver, startReceiver } from '../support/receiver';

const validResponse = validatorFor('social', '/registry/sync/search', 'response');

const CREATE_PERSON = `mutation ($input: CreateIndividualInput!) { createIndividual(input: $input) { id } }`;
const CREATE_GROUP = `mutation ($input: CreateGroupInput!) { createGroup(input: $input) { id } }`;
const ADD_MEMBER = `mutation ($input: AddMemberInput!) { addMember(input: $input) { id } }`;
const DISCLOSURES = `query ($filter: DisclosureFilter!, $first: Int) {
  disclosures(filter: $filter, first: $first) { id partner individualId fields { field level } purpose { consent authorize } transactionId messageId action referenceId at }
}`;
const PERSON_DISCLOSURES = `query ($id: ID!) { individual(id: $id) { id disclosures { partner action purpose { consent authorize } } } }`;

const consent = (code: string) => ({ '@context': 'https://schema.spdci.org/common/v1/api-schemas/Consent.jsonld', '@type': 'Consent', purpose: { text: 'child grant eligibility', code } });
const authorize = (code: string) => ({ '@context': 'https://schema.spdci.org/common/v1/api-schemas/Authorize.jsonld', '@type': 'Authorize', purpose: { text: 'data-sharing agreement', code } });

describe('DCI purposes and the disclosure audit', () => {
  let t: TestGateway;
  let receiver: Receiver;
  let auditor: string;
  const uin = unique('UIN');
  const childUin = unique('UIN');
  const household = unique('HH');
  const area = unique('AREA');
  let personId: string;
  let childId: string;
  /** Personal data for CG-ELIG or DSA-7 only; other requests get none. */
  let withholding: TestPartner;
  /** Personal data for CG-ELIG only; other requests are rejected. */
  let strict: TestPartner;

  beforeAll(async () => {
    t = await startTestGateway();
    receiver = await startReceiver();
    auditor = await t.token(['audit:read']);
    const writer = await t.token(WRITE);
    personId = ok(
      await t.gql(CREATE_PERSON, {
        input: {
          name: { given: 'Halima', family: 'Diallo' },
          sex: 'female',
          birthDate: '1979-11-30',
          addresses: [{ line: '77 River Road', areaCode: area }],
          identifiers: [{ type: 'UIN', value: uin }],
        },
      }, writer),
    ).createIndividual.id;
    childId = ok(await t.gql(CREATE_PERSON, { input: { name: { given: 'Sekou', family: 'Diallo' }, sex: 'male', birthDate: '2015-02-01', addresses: [{ areaCode: area }], identifiers: [{ type: 'UIN', value: childUin }] } }, writer)).createIndividual.id;
    const group = ok(await t.gql(CREATE_GROUP, { input: { kind: 'household', name: 'Diallo household', identifiers: [{ type: 'HOUSEHOLD_ID', value: household }] } }, writer)).createGroup;
    ok(await t.gql(ADD_MEMBER, { input: { groupId: group.id, individualId: personId, role: 'head' } }, writer));
    ok(await t.gql(ADD_MEMBER, { input: { groupId: group.id, individualId: childId, role: 'child' } }, writer));

    const callbackBase = `${receiver.url}/dci`;
    const queryAttributes = ['UIN', 'HOUSEHOLD_ID', 'age', 'location', 'given_name'];
    withholding = await registerPartner(t.gateway, { senderId: 'withholding.example.org', callbackBase, queryAttributes, pii: true, purposes: { codes: ['CG-ELIG', 'DSA-7'], required: true, refusal: 'no_personal_data' } });
    strict = await registerPartner(t.gateway, { senderId: 'strict.example.org', callbackBase, queryAttributes, pii: true, purposes: { codes: ['CG-ELIG'], required: true, refusal: 'reject' } });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await receiver?.close();
  });

  const byUin = (value: string, extra: Record<string, unknown> = {}) => ({ query_type: 'idtype-value', query: { type: 'UIN', value }, response_entity: 'Member', ...extra });
  const search = async (partner: TestPartner, criteria: Record<string, unknown>) => {
    const transactionId = unique('txn');
    const res = await partner.send('/registry/sync/search', 'search', { transaction_id: transactionId, search_request: [searchItem(criteria)] });
    expect(res.status).toBe(200);
    expect(validResponse(res.body)).toEqual({ ok: true });
    return { item: res.body.message.search_response[0], header: res.body.header, raw: res.raw, transactionId };
  };
  const disclosures = async (filter: Record<string, unknown>, first?: number) => ok(await t.gql(DISCLOSURES, { filter, first }, auditor)).disclosures as any[];
  /** Subscribes to deaths in `areaCode`; the on-subscribe callback's item. */
  const subscribeDeaths = async (partner: TestPartner, areaCode: string, purpose?: Record<string, unknown>) => {
    const transactionId = unique('txn');
    const res = await partner.send(
      '/registry/subscribe',
      'subscribe',
      {
        transaction_id: transactionId,
        subscribe_request: [{
          reference_id: unique('ref'),
          timestamp: new Date().toISOString(),
          subscribe_criteria: {
            reg_event_type: 'Death',
            filter_type: 'predicate',
            filter: [{ seq_num: 1, expression1: { attribute_name: 'location', operator: 'eq', attribute_value: areaCode } }],
            notify_record_type: 'Member',
            ...(purpose && { authorize: purpose }),
          },
        }],
      },
      { senderUri: `${receiver.url}/dci/registry/on-subscribe` },
    );
    expect(res.status).toBe(202);
    const cb = await receiver.waitFor((r) => r.path === '/dci/registry/on-subscribe' && r.body?.message?.transaction_id === transactionId);
    return cb.body.message.subscribe_response[0];
  };
  const recordDeath = async (id: string) =>
    ok(await t.gql(`mutation ($id: ID!, $d: Date!) { recordDeath(id: $id, deathDate: $d) { id } }`, { id, d: new Date().toISOString().slice(0, 10) }, await t.token(WRITE)));
  const notifyOf = (code: string) => receiver.waitFor((r) => r.path === '/dci/registry/notify' && r.body?.message?.notify_event?.[0]?.reference_id === code, 15_000);

  it('gives the profile to a search whose purpose is allowed, and records the disclosure', async () => {
    const { item, header, transactionId } = await search(withholding, byUin(uin, { consent: consent('CG-ELIG') }));
    expect(item.status).toBe('succ');
    expect(item.data.reg_records[0].demographic_info).toMatchObject({ name: { given_name: 'Halima', surname: 'Diallo' }, birth_date: '1979-11-30T00:00:00Z', sex: 'female' });

    const [record, ...more] = await disclosures({ transactionId });
    expect(more).toEqual([]);
    expect(record).toMatchObject({
      partner: withholding.senderId,
      individualId: personId,
      purpose: { consent: 'CG-ELIG', authorize: null },
      messageId: header.message_id,
      action: 'on-search',
      referenceId: item.reference_id,
    });
    expect(record.fields).toEqual(expect.arrayContaining([
      { field: 'identifier:UIN', level: 'given' },
      { field: 'given_name', level: 'given' },
      { field: 'surname', level: 'given' },
      { field: 'sex', level: 'given' },
      { field: 'birth_date', level: 'given' },
      { field: 'address', level: 'given' },
    ]));
  });

  it('answers without personal data when the purpose is missing or not the partner’s, and records what was shown', async () => {
    for (const criteria of [byUin(uin), byUin(uin, { consent: consent('MARKETING') }), byUin(uin, { consent: consent('CG-ELIG'), authorize: authorize('OTHER') })]) {
      const { item, raw, transactionId } = await search(withholding, criteria);
      expect(item.status).toBe('succ');
      const info = item.data.reg_records[0].demographic_info;
      expect(info.name).toEqual({ given_name: 'H***', surname: 'D***' });
      expect(info).not.toHaveProperty('birth_date');
      expect(info).not.toHaveProperty('sex');
      for (const hidden of [uin, 'Halima', '1979', 'River Road']) expect(raw).not.toContain(hidden);

      const [record] = await disclosures({ transactionId });
      expect(record.fields.every((f: { level: string }) => f.level === 'masked')).toBe(true);
      expect(record.fields.map((f: { field: string }) => f.field)).not.toContain('birth_date');
    }
    // Nor may it search on what it no longer sees.
    const { item } = await search(withholding, { query_type: 'predicate', query: [{ seq_num: 1, expression1: { attribute_name: 'given_name', operator: 'eq', attribute_value: 'Halima' } }], response_entity: 'Member' });
    expect(item).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.filter.invalid' });
  });

  it('rejects the item with rjct.search_criteria.invalid when the partner’s policy says so, and records nothing', async () => {
    for (const criteria of [byUin(uin), byUin(uin, { authorize: authorize('DSA-7') })]) {
      const { item, raw, transactionId } = await search(strict, criteria);
      expect(item).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.search_criteria.invalid' });
      expect(item.status_reason_message).toMatch(/purpose/);
      expect(raw).not.toContain('Diallo');
      expect(await disclosures({ transactionId })).toEqual([]);
    }
    const unreadable = await search(strict, byUin(uin, { consent: { purpose: { code: 42 } } }));
    expect(unreadable.item).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.search_criteria.invalid' });
    const allowed = await search(strict, byUin(uin, { consent: consent('CG-ELIG') }));
    expect(allowed.item.data.reg_records[0].demographic_info.name.given_name).toBe('Halima');
  });

  it('records a household’s head and members once each', async () => {
    const { transactionId } = await search(withholding, { query_type: 'idtype-value', query: { type: 'HOUSEHOLD_ID', value: household }, response_entity: 'Group', authorize: authorize('DSA-7') });
    const records = await disclosures({ transactionId });
    expect(records.map((r) => r.individualId).sort()).toEqual([personId, childId].sort());
    for (const r of records) expect(r.purpose).toEqual({ consent: null, authorize: 'DSA-7' });
  });

  it('records an async answer under its callback message id, and a status reply that shows it again', async () => {
    const transactionId = unique('txn');
    const res = await withholding.send('/registry/search', 'search', { transaction_id: transactionId, search_request: [searchItem(byUin(childUin, { consent: consent('CG-ELIG') }))] }, { senderUri: `${receiver.url}/dci/registry/on-search` });
    expect(res.status).toBe(202);
    const callback = await receiver.waitFor((r) => r.path === '/dci/registry/on-search' && r.body?.message?.transaction_id === transactionId);
    expect(callback.body.message.search_response[0].data.reg_records[0].demographic_info.name.given_name).toBe('Sekou');
    const [record] = await disclosures({ transactionId, individualId: childId });
    expect(record).toMatchObject({ messageId: callback.body.header.message_id, action: 'on-search', purpose: { consent: 'CG-ELIG' } });

    const status = await withholding.send('/registry/sync/txn/status', 'txn-status', {
      transaction_id: unique('txn'),
      txnstatus_request: { reference_id: unique('ref'), txn_type: 'search', attribute_type: 'transaction_id', attribute_value: transactionId },
    });
    expect(status.status).toBe(200);
    const replies = (await disclosures({ individualId: childId, partner: withholding.senderId })).filter((r) => r.action === 'txn-on-status');
    expect(replies).toEqual([expect.objectContaining({ messageId: status.body.header.message_id, transactionId: status.body.message.transaction_id, purpose: { consent: 'CG-ELIG', authorize: null } })]);
  });

  it('records a notification under the subscription, once however often the message is recorded', async () => {
    const code = (await subscribeDeaths(withholding, area, authorize('DSA-7'))).subscriptions[0].code;
    await recordDeath(childId);
    const notify = await notifyOf(code);
    let records: any[] = [];
    await waitFor(async () => (records = (await disclosures({ individualId: childId })).filter((r) => r.action === 'notify')).length > 0);
    expect(records).toEqual([expect.objectContaining({ partner: withholding.senderId, messageId: notify.body.header.message_id, referenceId: code, purpose: { consent: null, authorize: 'DSA-7' } })]);
    expect(records[0].fields).toEqual(expect.arrayContaining([{ field: 'given_name', level: 'given' }, { field: 'death_date', level: 'given' }]));

    // A retried delivery records the same message again: nothing is added.
    const again = disclosureRecorder(t.gateway.models);
    const message = { partner: withholding.senderId, messageId: notify.body.header.message_id, transactionId: notify.body.message.transaction_id, action: 'notify', at: new Date() };
    await again.record(message, [{ individualId: childId, fields: [{ field: 'given_name', level: 'given' }], purpose: { authorize: 'DSA-7' }, referenceId: code }]);
    expect((await disclosures({ individualId: childId })).filter((r) => r.action === 'notify')).toHaveLength(1);
  });

  it('notifies a subscription without a purpose without personal data, or rejects it when the policy says so', async () => {
    const elsewhere = unique('AREA');
    const aminaId = ok(await t.gql(CREATE_PERSON, { input: { name: { given: 'Amina', family: 'Sow' }, sex: 'female', birthDate: '1950-01-01', addresses: [{ areaCode: elsewhere }] } }, await t.token(WRITE))).createIndividual.id;
    const item = await subscribeDeaths(withholding, elsewhere);
    expect(item.status).toBe('succ');
    await recordDeath(aminaId);
    const notify = await notifyOf(item.subscriptions[0].code);
    const records = notify.body.message.notify_event[0].data.reg_records;
    expect((Array.isArray(records) ? records[0] : records).demographic_info.name).toEqual({ given_name: 'A***', surname: 'S***' });
    for (const hidden of ['Amina', 'Sow', '1950']) expect(notify.raw).not.toContain(hidden);
    let recorded: any[] = [];
    await waitFor(async () => (recorded = await disclosures({ individualId: aminaId })).length > 0);
    expect(recorded).toEqual([expect.objectContaining({ action: 'notify', purpose: null })]);
    expect(recorded[0].fields.every((f: { field: string; level: string }) => f.level === 'masked' || f.field === 'death_date')).toBe(true);

    expect(await subscribeDeaths(strict, area)).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.notify_details.invalid' });
  });

  it('lets a caseworker with audit:read see who received a person’s data and why, filtered', async () => {
    const person = ok(await t.gql(PERSON_DISCLOSURES, { id: personId }, await t.token(['registry:read', 'audit:read']))).individual;
    expect(person.disclosures.length).toBeGreaterThanOrEqual(4);
    expect(person.disclosures.every((d: { partner: string }) => d.partner === withholding.senderId || d.partner === strict.senderId)).toBe(true);
    expect(person.disclosures).toEqual(expect.arrayContaining([{ partner: withholding.senderId, action: 'on-search', purpose: { consent: 'CG-ELIG', authorize: null } }]));

    const byPurpose = await disclosures({ purpose: 'DSA-7' });
    expect(byPurpose.length).toBeGreaterThanOrEqual(3);
    expect(byPurpose.every((d) => d.purpose.authorize === 'DSA-7' || d.purpose.consent === 'DSA-7')).toBe(true);
    expect(await disclosures({ partner: strict.senderId, individualId: childId })).toEqual([]);
    const times = (await disclosures({ partner: withholding.senderId })).map((d) => Date.parse(d.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(await disclosures({ partner: withholding.senderId, to: new Date(Date.now() - 3_600_000).toISOString() })).toEqual([]);
  });

  it('refuses the audit without audit:read, and bad filters with BAD_USER_INPUT', async () => {
    const reader = await t.token(['registry:read', 'registry:pii']);
    expect(onlyError(await t.gql(DISCLOSURES, { filter: {} }, reader)).extensions?.code).toBe('FORBIDDEN');
    expect(onlyError(await t.gql(PERSON_DISCLOSURES, { id: personId }, reader)).extensions?.code).toBe('FORBIDDEN');
    expect(onlyError(await t.gql(DISCLOSURES, { filter: {} })).extensions?.code).toBe('UNAUTHENTICATED');
    expect(onlyError(await t.gql(DISCLOSURES, { filter: { individualId: 'nobody' } }, auditor)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.individualId' });
    const now = new Date().toISOString();
    expect(onlyError(await t.gql(DISCLOSURES, { filter: { from: now, to: now } }, auditor)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.to' });
    expect(onlyError(await t.gql(DISCLOSURES, { filter: {}, first: 501 }, auditor)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('deletes the records past their retention and keeps the others', async () => {
    const before = (await disclosures({ individualId: personId }, 500)).length;
    const old = { partner: withholding.senderId, messageId: unique('msg'), transactionId: unique('txn'), action: 'on-search', at: new Date(Date.now() - 11 * 86_400_000) };
    await disclosureRecorder(t.gateway.models).record(old, [{ individualId: personId, fields: [{ field: 'given_name', level: 'given' }], purpose: {} }]);
    expect(await disclosures({ transactionId: old.transactionId })).toHaveLength(1);
    expect(await pruneDisclosures(t.gateway.models, new Date(), 10)).toBe(1);
    expect(await disclosures({ transactionId: old.transactionId })).toEqual([]);
    expect(await disclosures({ individualId: personId }, 500)).toHaveLength(before);
  });

  it('registers purposes through GraphQL and refuses a requirement without codes', async () => {
    const admin = await t.token(['partners:admin']);
    const partner = ok(await t.gql(`{ partner(senderId: "withholding.example.org") { purposes { codes required refusal } } }`, {}, admin)).partner;
    expect(partner.purposes).toEqual({ codes: ['CG-ELIG', 'DSA-7'], required: true, refusal: 'no_personal_data' });
    const update = `mutation ($input: UpdatePartnerInput!) { updatePartner(senderId: "strict.example.org", input: $input) { purposes { codes required refusal } } }`;
    expect(ok(await t.gql(update, { input: { purposes: { codes: ['CG-ELIG', 'CG-PAY'] } } }, admin)).updatePartner.purposes).toEqual({ codes: ['CG-ELIG', 'CG-PAY'], required: true, refusal: 'reject' });
    expect(onlyError(await t.gql(update, { input: { purposes: { codes: [] } } }, admin)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'purposes.codes' });
  });
});
