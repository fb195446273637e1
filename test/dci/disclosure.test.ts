/**
 * Disclosure profiles over HTTP: what each partner's signed search answers carry of one person and
 * one household (given, masked, omitted, identifiers by type), what it may search and sort on, and a
 * partner stored with the older `pii` flag answered as before.
 */
import { validatorFor } from '../../adapters/dci/protocol';
import { DEFAULT_QUERY_ATTRIBUTES } from '../../src/store/models/partner';
import { registerPartner, searchItem, TestPartner } from '../support/dciPartner';
import { ok, startTestGateway, TestGateway, unique, WRITE } from '../support/gateway';

const validResponse = validatorFor('social', '/registry/sync/search', 'response');
const ATTRIBUTES = [...DEFAULT_QUERY_ATTRIBUTES, 'given_name', 'surname'];

const CREATE_PERSON = `mutation ($input: CreateIndividualInput!) { createIndividual(input: $input) { id } }`;
const CREATE_GROUP = `mutation ($input: CreateGroupInput!) { createGroup(input: $input) { id version } }`;
const ADD_MEMBER = `mutation ($input: AddMemberInput!) { addMember(input: $input) { id } }`;

describe('DCI disclosure profiles', () => {
  let t: TestGateway;
  const uin = unique('UIN');
  const nid = unique('NID');
  const childUin = unique('UIN');
  const household = unique('HH');
  const area = unique('AREA');
  let full: TestPartner;
  let custom: TestPartner;
  let legacy: TestPartner;

  beforeAll(async () => {
    t = await startTestGateway();
    const writer = await t.token(WRITE);
    const person = ok(
      await t.gql(CREATE_PERSON, {
        input: {
          name: { given: 'Halima', family: 'Diallo', middle: 'Binta' },
          sex: 'female',
          birthDate: '1979-11-30',
          addresses: [{ line: '77 River Road', locality: 'Rivo', areaCode: area, regionCode: 'CE', country: 'ZZ' }],
          phoneNumbers: ['+99 701 111111'],
          emails: ['halima@example.org'],
          identifiers: [{ type: 'UIN', value: uin }, { type: 'NATIONAL_ID', value: nid }],
        },
      }, writer),
    ).createIndividual;
    const child = ok(await t.gql(CREATE_PERSON, { input: { name: { given: 'Sekou', family: 'Diallo' }, sex: 'male', birthDate: '2015-02-01', identifiers: [{ type: 'UIN', value: childUin }] } }, writer)).createIndividual;
    const group = ok(await t.gql(CREATE_GROUP, { input: { kind: 'household', name: 'Diallo household', address: { line: '77 River Road', areaCode: area }, identifiers: [{ type: 'HOUSEHOLD_ID', value: household }] } }, writer)).createGroup;
    ok(await t.gql(ADD_MEMBER, { input: { groupId: group.id, individualId: person.id, role: 'head' } }, writer));
    ok(await t.gql(ADD_MEMBER, { input: { groupId: group.id, individualId: child.id, role: 'child' } }, writer));

    const callbackBase = 'http://127.0.0.1:9/dci';
    full = await registerPartner(t.gateway, { senderId: 'full.example.org', callbackBase, queryAttributes: ATTRIBUTES, pii: true });
    custom = await registerPartner(t.gateway, {
      senderId: 'custom.example.org',
      callbackBase,
      queryAttributes: ATTRIBUTES,
      disclosure: {
        names: 'masked',
        birthDate: 'omitted',
        sex: 'omitted',
        address: 'given',
        phone: 'omitted',
        email: 'masked',
        identifiers: 'omitted',
        identifierTypes: [{ type: 'UIN', level: 'given' }, { type: 'HOUSEHOLD_ID', level: 'masked' }],
        groupMembers: 'omitted',
        groupHead: 'masked',
      },
    });
    legacy = await registerPartner(t.gateway, { senderId: 'legacy.example.org', callbackBase });
    // As a gateway from before disclosure profiles stored it.
    await t.gateway.models.Partner.collection.updateOne({ senderId: legacy.senderId }, { $set: { pii: false }, $unset: { disclosure: '' } });
  });
  afterAll(() => t.stop());

  const search = async (partner: TestPartner, criteria: Record<string, unknown>) => {
    const res = await partner.send('/registry/sync/search', 'search', { transaction_id: unique('txn'), search_request: [searchItem(criteria)] });
    expect(res.status).toBe(200);
    expect(validResponse(res.body)).toEqual({ ok: true });
    return { item: res.body.message.search_response[0], raw: res.raw };
  };
  const member = (partner: TestPartner, type: string, value: string) => search(partner, { query_type: 'idtype-value', query: { type, value }, response_entity: 'Member' });
  const byAge = (sort: { attribute_name: string }[], filter = 'age') =>
    ({ query_type: 'predicate', query: [{ seq_num: 1, expression1: { attribute_name: filter, operator: 'ge', attribute_value: filter === 'age' ? '1' : 'A' } }], response_entity: 'Member', sort });

  it('gives every field to a partner whose profile gives them', async () => {
    const { item } = await member(full, 'UIN', uin);
    expect(item.data.reg_records[0].demographic_info).toMatchObject({
      name: { given_name: 'Halima', surname: 'Diallo', second_name: 'Binta' },
      sex: 'female',
      birth_date: '1979-11-30T00:00:00Z',
      address: [{ address_line1: '77 River Road', locality: 'Rivo', sub_region_code: area }],
      phone_number: ['+99 701 111111'],
      email: ['halima@example.org'],
      identifier: expect.arrayContaining([{ identifier_type: 'UIN', identifier_value: uin }, { identifier_type: 'NATIONAL_ID', identifier_value: nid }]),
    });
  });

  it('gives, masks and omits each field of a person as the profile says, identifiers by type', async () => {
    const { item, raw } = await member(custom, 'UIN', uin);
    const record = item.data.reg_records[0];
    expect(record.member_identifier).toEqual([{ identifier_type: 'UIN', identifier_value: uin }]);
    expect(record.demographic_info).toEqual({
      identifier: [{ identifier_type: 'UIN', identifier_value: uin }],
      name: { given_name: 'H***', surname: 'D***', second_name: 'B***' },
      address: [{ address_line1: '77 River Road', locality: 'Rivo', sub_region_code: area, region_code: 'CE', country_code: 'ZZ' }],
      email: ['h***'],
      registration_date: expect.any(String),
      last_updated: expect.any(String),
    });
    for (const hidden of [nid, 'Halima', 'female', '1979', '701 111111', 'halima@']) expect(raw).not.toContain(hidden);
  });

  it('shows a household head masked, its identifier masked, and leaves members out when the profile says so', async () => {
    const { item, raw } = await search(custom, { query_type: 'idtype-value', query: { type: 'HOUSEHOLD_ID', value: household }, response_entity: 'Group' });
    const group = item.data.reg_records[0];
    expect(group).not.toHaveProperty('member_list');
    expect(group.group_identifier).toEqual([{ identifier_type: 'HOUSEHOLD_ID', identifier_value: `${household[0]}***` }]);
    expect(group.group_size).toBe(2);
    expect(group.group_head_info.member_identifier).toEqual([{ identifier_type: 'UIN', identifier_value: `${uin[0]}***` }]);
    expect(group.group_head_info.demographic_info).toMatchObject({ name: { given_name: 'H***', surname: 'D***' }, address: [{ address_line1: '7***' }] });
    for (const hidden of [uin, childUin, 'Sekou', household]) expect(raw).not.toContain(hidden);
  });

  it('refuses to search on a field the partner may not see, or on names it sees only masked', async () => {
    expect((await member(custom, 'NATIONAL_ID', nid)).item).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.filter.invalid' });
    expect((await search(custom, byAge([], 'given_name'))).item).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.filter.invalid' });
    expect((await search(custom, byAge([]))).item).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.filter.invalid' });
  });

  it('refuses to sort on such a field like filtering on it, and sorts for a partner that may see it', async () => {
    for (const attribute_name of ['given_name', 'surname', 'birth_date', 'age']) {
      const { item } = await search(custom, { query_type: 'idtype-value', query: { type: 'UIN', value: uin }, response_entity: 'Member', sort: [{ attribute_name }] });
      expect(item).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.sort.invalid' });
    }
    const { item } = await search(full, byAge([{ attribute_name: 'given_name' }]));
    expect(item.status).toBe('succ');
  });

  it('answers a partner stored with pii: false as before profiles: masked text, no birth date, sex given', async () => {
    const { item, raw } = await member(legacy, 'UIN', uin);
    const info = item.data.reg_records[0].demographic_info;
    expect(info).toMatchObject({ name: { given_name: 'H***', surname: 'D***' }, sex: 'female', phone_number: ['+***'], email: ['h***'] });
    expect(info).not.toHaveProperty('birth_date');
    expect(info.identifier).toEqual(expect.arrayContaining([{ identifier_type: 'UIN', identifier_value: `${uin[0]}***` }]));
    expect(raw).not.toContain(uin);
    expect((await search(legacy, byAge([{ attribute_name: 'birth_date' }]))).item.status).toBe('succ');
  });
});
