/** Personal data (@pii) is masked for callers without registry:pii and clear for those with it. */
import { ok, READ, READ_PII, unique, useTestGateway, WRITE } from '../support/gateway';
import { addMember, createGroup, createIndividual } from './fixtures';

const PERSON = `query ($id: ID!) { individual(id: $id) {
  id sex age status name { given family middle } birthDate phoneNumbers emails
  addresses { line locality areaCode regionCode country }
  identifiers { type value issuer verificationStatus } } }`;
const HOUSEHOLD = `query ($id: ID!) { group(id: $id) {
  id kind name size address { line locality areaCode }
  identifiers { type value }
  head { name { given family } birthDate }
  members { individual { name { given } identifiers { value } } } } }`;
const LIST = `{ individuals(first: 100) { edges { node { id name { given family } birthDate phoneNumbers } } } }`;

describe('masking of personal data', () => {
  const t = useTestGateway();
  let personId: string;
  let groupId: string;
  const uin = unique('UIN');
  const hh = unique('HH');

  beforeAll(async () => {
    const writer = await t.token(WRITE);
    const person = await createIndividual(t, writer, {
      name: { given: 'Halima', family: 'Diallo', middle: 'Binta' },
      sex: 'female',
      birthDate: '1979-11-30',
      addresses: [{ line: '77 River Road', locality: 'Rivo', areaCode: 'CE-02', regionCode: 'CE', country: 'ZZ' }],
      phoneNumbers: ['+99 701 111111', '+99 702 222222'],
      emails: ['halima@example.org'],
      identifiers: [{ type: 'UIN', value: uin, issuer: 'nira', verificationStatus: 'verified' }],
    });
    personId = person.id;
    const group = await createGroup(t, writer, {
      name: 'Diallo household',
      address: { line: '77 River Road', locality: 'Rivo', areaCode: 'CE-02' },
      identifiers: [{ type: 'HOUSEHOLD_ID', value: hh }],
    });
    groupId = group.id;
    await addMember(t, writer, groupId, personId, 'head');
  });

  it('without registry:pii: names, phones, emails, address lines and identifier values show only their first letter, birthDate is null', async () => {
    const person = ok(await t.gql(PERSON, { id: personId }, await t.token(READ))).individual;
    expect(person).toEqual({
      id: personId,
      sex: 'female',
      age: expect.any(Number),
      status: 'active',
      name: { given: 'H***', family: 'D***', middle: 'B***' },
      birthDate: null,
      phoneNumbers: ['+***', '+***'],
      emails: ['h***'],
      addresses: [{ line: '7***', locality: 'Rivo', areaCode: 'CE-02', regionCode: 'CE', country: 'ZZ' }],
      identifiers: [{ type: 'UIN', value: `${uin[0]}***`, issuer: 'nira', verificationStatus: 'verified' }],
    });
  });

  it('with registry:pii: every value is clear', async () => {
    const person = ok(await t.gql(PERSON, { id: personId }, await t.token(READ_PII))).individual;
    expect(person).toMatchObject({
      name: { given: 'Halima', family: 'Diallo', middle: 'Binta' },
      birthDate: '1979-11-30',
      phoneNumbers: ['+99 701 111111', '+99 702 222222'],
      emails: ['halima@example.org'],
      addresses: [{ line: '77 River Road' }],
      identifiers: [{ type: 'UIN', value: uin }],
    });
  });

  it('masking applies however the record is reached: groups, heads, members, lists', async () => {
    const reader = await t.token(READ);
    const group = ok(await t.gql(HOUSEHOLD, { id: groupId }, reader)).group;
    expect(group).toEqual({
      id: groupId,
      kind: 'household',
      name: 'D***',
      size: 1,
      address: { line: '7***', locality: 'Rivo', areaCode: 'CE-02' },
      identifiers: [{ type: 'HOUSEHOLD_ID', value: `${hh[0]}***` }],
      head: { name: { given: 'H***', family: 'D***' }, birthDate: null },
      members: [{ individual: { name: { given: 'H***' }, identifiers: [{ value: `${uin[0]}***` }] } }],
    });
    const list = ok(await t.gql(LIST, {}, reader)).individuals.edges.map((e: any) => e.node);
    expect(list).toContainEqual({ id: personId, name: { given: 'H***', family: 'D***' }, birthDate: null, phoneNumbers: ['+***', '+***'] });

    const clear = ok(await t.gql(HOUSEHOLD, { id: groupId }, await t.token(READ_PII))).group;
    expect(clear).toMatchObject({ name: 'Diallo household', identifiers: [{ value: hh }], head: { name: { given: 'Halima' }, birthDate: '1979-11-30' } });
  });

  it('a mutation answer is masked too when the writer lacks registry:pii', async () => {
    const writerNoPii = await t.token(['registry:read', 'registry:write']);
    const created = await createIndividual(t, writerNoPii, { name: { given: 'Samuel', family: 'Osei' }, birthDate: '2001-01-01' });
    expect(created.name).toEqual({ given: 'S***', family: 'O***', middle: null });
    expect(created.birthDate).toBeNull();
    const stored = ok(await t.gql(PERSON, { id: created.id }, await t.token(READ_PII))).individual;
    expect(stored).toMatchObject({ name: { given: 'Samuel', family: 'Osei' }, birthDate: '2001-01-01' });
  });
});
