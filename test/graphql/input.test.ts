/** Bad input is refused as BAD_USER_INPUT naming the offending field, and nothing is written. */
import { codes, ok, onlyError, READ, useTestGateway, WRITE } from '../support/gateway';
import { ADD_MEMBER, CREATE_GROUP, CREATE_INDIVIDUAL, createGroup, createIndividual, isoDay } from './fixtures';

const valid = () => ({ name: { given: 'Valid', family: 'Person' }, sex: 'female', birthDate: '1990-01-01' });

describe('input validation', () => {
  const t = useTestGateway();
  let writer: string;

  beforeAll(async () => {
    writer = await t.token(WRITE);
  });

  /** Counts of every collection a registry write touches. */
  async function snapshot() {
    const m = t.gateway.models;
    return {
      individuals: await m.Individual.countDocuments({}),
      groups: await m.Group.countDocuments({}),
      identifiers: await m.IdentifierClaim.countDocuments({}),
      memberships: await m.Membership.countDocuments({}),
      events: await m.Outbox.countDocuments({}),
    };
  }

  /** Sends a write that must be refused with BAD_USER_INPUT mentioning `field`, and checks nothing was written. */
  async function expectRefused(query: string, variables: Record<string, unknown>, field: string) {
    const before = await snapshot();
    const res = await t.gql(query, variables, writer);
    const error = onlyError(res);
    expect({ code: error.extensions?.code, message: error.message }).toEqual({ code: 'BAD_USER_INPUT', message: expect.stringContaining(field) });
    if (error.extensions?.field !== undefined) expect(error.extensions.field).toBe(field);
    expect(res.body.data ?? null).toBeNull();
    expect(await snapshot()).toEqual(before);
    return error;
  }

  it('a malformed id is BAD_USER_INPUT naming the argument', async () => {
    const res = await t.gql(`{ individual(id: "xyz") { id } }`, {}, await t.token(READ));
    expect(onlyError(res).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect(res.body.data).toEqual({ individual: null });
    const group = await t.gql(`{ group(id: "0123456789abcdef0123456z") { id } }`, {}, await t.token(READ));
    expect(onlyError(group).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it.each([
    ['updateIndividual', 'id', `mutation { updateIndividual(id: "xyz", version: 1, input: { sex: male }) { id } }`],
    ['recordDeath', 'id', `mutation { recordDeath(id: "xyz", deathDate: "2020-01-01") { id } }`],
    ['updateGroup', 'id', `mutation { updateGroup(id: "xyz", version: 1, input: { name: "n" }) { id } }`],
    ['endMembership', 'id', `mutation { endMembership(id: "xyz") { id } }`],
    ['removeIdentifier', 'id', `mutation { removeIdentifier(id: "xyz") { id } }`],
    ['addIdentifier', 'registrantId', `mutation { addIdentifier(registrantId: "xyz", input: { type: "UIN", value: "1" }) { id } }`],
    ['addMember (group)', 'groupId', `mutation { addMember(input: { groupId: "xyz", individualId: "0123456789abcdef01234567", role: child }) { id } }`],
    ['addMember (individual)', 'individualId', `mutation { addMember(input: { groupId: "0123456789abcdef01234567", individualId: "xyz", role: child }) { id } }`],
  ])('%s with a malformed id is BAD_USER_INPUT naming %s', async (_name, field, query) => {
    await expectRefused(query, {}, field);
  });

  it.each<[string, string, Record<string, unknown>]>([
    ['a 500-character given name', 'name.given', { name: { given: 'x'.repeat(500), family: 'Long' } }],
    ['a 101-character family name', 'name.family', { name: { given: 'Long', family: 'y'.repeat(101) } }],
    ['a blank given name', 'name.given', { name: { given: '   ', family: 'Blank' } }],
    ['a date that does not exist', 'input.birthDate', { birthDate: '2023-02-30' }],
    ['a date in another format', 'input.birthDate', { birthDate: '17/05/1990' }],
    ['a date with a time', 'input.birthDate', { birthDate: '1990-05-17T10:00:00Z' }],
    ['a birth date in the future', 'birthDate', { birthDate: isoDay(1) }],
    ['an implausibly old birth date', 'birthDate', { birthDate: '1700-01-01' }],
    ['a bad email', 'emails[0]', { emails: ['not-an-email'] }],
    ['a bad second email', 'emails[1]', { emails: ['ok@example.org', 'a@b'] }],
    ['a bad phone number', 'phoneNumbers[0]', { phoneNumbers: ['call me'] }],
    ['too many phone numbers', 'phoneNumbers', { phoneNumbers: Array.from({ length: 11 }, (_, i) => `+99 700 00000${i}`) }],
    ['a bad country code', 'addresses[0].country', { addresses: [{ country: 'Zedland' }] }],
    ['an oversized address line', 'addresses[0].line', { addresses: [{ line: 'z'.repeat(201) }] }],
    ['a lower-case identifier type', 'identifiers[0].type', { identifiers: [{ type: 'uin', value: '123' }] }],
    ['an oversized identifier value', 'identifiers[0].value', { identifiers: [{ type: 'UIN', value: '9'.repeat(65) }] }],
    ['an unknown sex (enum) in variables', 'input.sex', { sex: 'femal' }],
    ['an unknown verification status (enum) in variables', 'verificationStatus', { identifiers: [{ type: 'UIN', value: '1', verificationStatus: 'maybe' }] }],
    ['a number where a string is expected', 'input.name.given', { name: { given: 42, family: 'Typed' } }],
    ['a string where a list of objects is expected', 'input.addresses', { addresses: 'Main street' }],
    ['a missing required field', 'family', { name: { given: 'Only' } }],
    ['an unknown field', 'nickname', { nickname: 'Zed' }],
  ])('createIndividual with %s is BAD_USER_INPUT naming %s and writes nothing', async (_what, field, patch) => {
    await expectRefused(CREATE_INDIVIDUAL, { input: { ...valid(), ...patch } }, field);
  });

  it('wrong variable types elsewhere are BAD_USER_INPUT too', async () => {
    const reader = await t.token(READ);
    const first = await t.gql(`query ($first: Int) { individuals(first: $first) { totalCount } }`, { first: 'ten' }, reader);
    expect(codes(first)).toEqual(['BAD_USER_INPUT']);
    expect(onlyError(first).message).toContain('$first');
    const from = await t.gql(`query ($f: IndividualFilter) { individuals(filter: $f) { totalCount } }`, { f: { birthDateFrom: '2020-13-01' } }, reader);
    expect(codes(from)).toEqual(['BAD_USER_INPUT']);
    expect(onlyError(from).message).toContain('birthDateFrom');
    const status = await t.gql(`query ($f: IndividualFilter) { individuals(filter: $f) { totalCount } }`, { f: { status: 'dead' } }, reader);
    expect(codes(status)).toEqual(['BAD_USER_INPUT']);
    expect(onlyError(status).message).toContain('status');
  });

  it('an invalid Date literal written in the query is BAD_USER_INPUT (as src/graphql/scalars.ts promises)', async () => {
    const person = await createIndividual(t, writer);
    const res = await t.gql(`mutation { recordDeath(id: "${person.id}", deathDate: "2021-02-29") { id } }`, {}, writer);
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(onlyError(res).message).toContain('2021-02-29');
  });

  it('updateIndividual refuses bad values and an empty change, and keeps the stored record', async () => {
    const person = await createIndividual(t, writer, { emails: ['kept@example.org'] });
    const UPDATE = `mutation ($id: ID!, $input: UpdateIndividualInput!) { updateIndividual(id: $id, version: 1, input: $input) { id } }`;
    await expectRefused(UPDATE, { id: person.id, input: { emails: ['bad email@example.org'] } }, 'emails[0]');
    await expectRefused(UPDATE, { id: person.id, input: { birthDate: isoDay(3) } }, 'birthDate');
    await expectRefused(UPDATE, { id: person.id, input: { name: { given: 'a'.repeat(500), family: 'b' } } }, 'name.given');
    await expectRefused(UPDATE, { id: person.id, input: {} }, 'input');
    // A NUL or another control character in a name is refused.
    await expectRefused(UPDATE, { id: person.id, input: { name: { given: 'Ama\u0000', family: 'b' } } }, 'name.given');
    await expectRefused(UPDATE, { id: person.id, input: { name: { given: 'Ama', family: 'Ba\u001bnda' } } }, 'name.family');
    await expectRefused(CREATE_INDIVIDUAL, { input: { ...valid(), name: { given: 'Ama\u0007', family: 'Banda' } } }, 'name.given');
    const read = ok(await t.gql(`{ individual(id: "${person.id}") { version emails name { given } } }`, {}, writer)).individual;
    expect(read).toEqual({ version: 1, emails: ['kept@example.org'], name: { given: person.name.given } });
  });

  it.each<[string, string, Record<string, unknown>]>([
    ['a 151-character name', 'name', { name: 'n'.repeat(151) }],
    ['a negative poverty score', 'povertyScore', { povertyScore: -1 }],
    ['a poverty score above 1000', 'povertyScore', { povertyScore: 1000.5 }],
    ['an unknown kind (enum) in variables', 'input.kind', { kind: 'tribe' }],
    ['a bad household identifier type', 'identifiers[0].type', { identifiers: [{ type: 'household id', value: 'H1' }] }],
  ])('createGroup with %s is BAD_USER_INPUT naming %s and writes nothing', async (_what, field, patch) => {
    await expectRefused(CREATE_GROUP, { input: { kind: 'household', name: 'Valid household', ...patch } }, field);
  });

  it('addMember refuses a start date in the future and an unknown role, writing nothing', async () => {
    const group = await createGroup(t, writer);
    const person = await createIndividual(t, writer);
    await expectRefused(ADD_MEMBER, { input: { groupId: group.id, individualId: person.id, role: 'child', startDate: isoDay(5) } }, 'startDate');
    await expectRefused(ADD_MEMBER, { input: { groupId: group.id, individualId: person.id, role: 'cousin' } }, 'input.role');
  });
});
