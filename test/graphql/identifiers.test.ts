/** Identifiers: unique (type, value) pairs, added and removed, and registrants found by them. */
import { codes, ok, onlyError, READ_PII, unique, useTestGateway, WRITE } from '../support/gateway';
import { CREATE_INDIVIDUAL, createGroup, createIndividual } from './fixtures';

const ADD = `mutation ($registrantId: ID!, $input: IdentifierInput!) {
  addIdentifier(registrantId: $registrantId, input: $input) { id type value issuer verificationStatus registrant { __typename ... on Individual { id } ... on Group { id } } } }`;
const REMOVE = `mutation ($id: ID!) { removeIdentifier(id: $id) { id type value registrant { __typename ... on Individual { id } ... on Group { id } } } }`;
const BY_IDENTIFIER = `query ($type: String!, $value: String!) {
  registrantByIdentifier(type: $type, value: $value) {
    __typename
    ... on Individual { id name { given family } identifiers { type value } }
    ... on Group { id groupName: name identifiers { type value } }
  } }`;
const IDS_OF = `query ($id: ID!) { individual(id: $id) { identifiers { id type value } } }`;
const WITH_TYPE = `query ($type: String!) { individuals(filter: { identifierType: $type }, first: 100) { totalCount edges { node { id } } } }`;

describe('identifiers', () => {
  const t = useTestGateway();
  let writer: string;

  beforeAll(async () => {
    writer = await t.token(WRITE);
  });

  const countIndividuals = () => t.gateway.models.Individual.countDocuments({});
  const countIdentifiers = () => t.gateway.models.IdentifierClaim.countDocuments({});

  it('addIdentifier attaches a new identifier, returned and read back on the registrant', async () => {
    const person = await createIndividual(t, writer);
    const value = unique('NID');
    const added = ok(await t.gql(ADD, { registrantId: person.id, input: { type: 'NATIONAL_ID', value, issuer: 'nira', verificationStatus: 'verified' } }, writer)).addIdentifier;
    expect(added).toMatchObject({ type: 'NATIONAL_ID', value, issuer: 'nira', verificationStatus: 'verified', registrant: { __typename: 'Individual', id: person.id } });
    expect(ok(await t.gql(IDS_OF, { id: person.id }, writer)).individual.identifiers).toEqual([{ id: added.id, type: 'NATIONAL_ID', value }]);
  });

  it('addIdentifier works on groups too', async () => {
    const group = await createGroup(t, writer);
    const value = unique('HH');
    const added = ok(await t.gql(ADD, { registrantId: group.id, input: { type: 'HOUSEHOLD_ID', value } }, writer)).addIdentifier;
    expect(added).toMatchObject({ type: 'HOUSEHOLD_ID', value, verificationStatus: 'unverified', registrant: { __typename: 'Group', id: group.id } });
  });

  it('addIdentifier to an unknown registrant is NOT_FOUND', async () => {
    const res = await t.gql(ADD, { registrantId: '0123456789abcdef01234567', input: { type: 'UIN', value: unique() } }, writer);
    expect(codes(res)).toEqual(['NOT_FOUND']);
  });

  it('registrantByIdentifier finds an individual and a group, and answers null for an unknown pair', async () => {
    const uin = unique('UIN');
    const person = await createIndividual(t, writer, { name: { given: 'Grace', family: 'Phiri' }, identifiers: [{ type: 'UIN', value: uin }] });
    const hh = unique('HH');
    const group = await createGroup(t, writer, { name: 'Phiri household', identifiers: [{ type: 'HOUSEHOLD_ID', value: hh }] });

    const reader = await t.token(READ_PII);
    expect(ok(await t.gql(BY_IDENTIFIER, { type: 'UIN', value: uin }, reader)).registrantByIdentifier).toEqual({
      __typename: 'Individual', id: person.id, name: { given: 'Grace', family: 'Phiri' }, identifiers: [{ type: 'UIN', value: uin }],
    });
    expect(ok(await t.gql(BY_IDENTIFIER, { type: 'HOUSEHOLD_ID', value: hh }, reader)).registrantByIdentifier).toEqual({
      __typename: 'Group', id: group.id, groupName: 'Phiri household', identifiers: [{ type: 'HOUSEHOLD_ID', value: hh }],
    });
    const none = await t.gql(BY_IDENTIFIER, { type: 'UIN', value: 'NO-SUCH-VALUE' }, reader);
    expect(none.body.errors).toBeUndefined();
    expect(none.body.data!.registrantByIdentifier).toBeNull();
    // Same value, other type: identifiers are pairs.
    expect(ok(await t.gql(BY_IDENTIFIER, { type: 'NATIONAL_ID', value: uin }, reader)).registrantByIdentifier).toBeNull();
  });

  it('registrantsByIdentifiers answers each pair in the order given, null where none, at most 100 at once', async () => {
    const uin = unique('UIN');
    const person = await createIndividual(t, writer, { identifiers: [{ type: 'UIN', value: uin }] });
    const hh = unique('HH');
    const group = await createGroup(t, writer, { identifiers: [{ type: 'HOUSEHOLD_ID', value: hh }] });
    const MANY = `query ($identifiers: [IdentifierMatch!]!) {
      registrantsByIdentifiers(identifiers: $identifiers) { __typename ... on Individual { id } ... on Group { id } } }`;
    const reader = await t.token(READ_PII);
    const pairs = [{ type: 'HOUSEHOLD_ID', value: hh }, { type: 'UIN', value: 'NO-SUCH-VALUE' }, { type: 'UIN', value: uin }, { type: 'UIN', value: uin }];
    expect(ok(await t.gql(MANY, { identifiers: pairs }, reader)).registrantsByIdentifiers).toEqual([
      { __typename: 'Group', id: group.id },
      null,
      { __typename: 'Individual', id: person.id },
      { __typename: 'Individual', id: person.id },
    ]);
    const tooMany = await t.gql(MANY, { identifiers: Array.from({ length: 101 }, (_, i) => ({ type: 'UIN', value: `V${i}` })) }, reader);
    expect(onlyError(tooMany).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'identifiers' });
  });

  it('removeIdentifier detaches it: returned, gone from the registrant, no longer found, and the type filter follows', async () => {
    const type = 'DRN';
    const value = unique('DRN');
    const person = await createIndividual(t, writer, { identifiers: [{ type, value }] });
    expect(ok(await t.gql(WITH_TYPE, { type }, writer)).individuals.edges.map((e: any) => e.node.id)).toContain(person.id);

    const removed = ok(await t.gql(REMOVE, { id: person.identifiers[0].id }, writer)).removeIdentifier;
    expect(removed).toEqual({ id: person.identifiers[0].id, type, value, registrant: { __typename: 'Individual', id: person.id } });
    expect(ok(await t.gql(IDS_OF, { id: person.id }, writer)).individual.identifiers).toEqual([]);
    expect(ok(await t.gql(BY_IDENTIFIER, { type, value }, writer)).registrantByIdentifier).toBeNull();
    expect(ok(await t.gql(WITH_TYPE, { type }, writer)).individuals.edges.map((e: any) => e.node.id)).not.toContain(person.id);

    const again = await t.gql(REMOVE, { id: person.identifiers[0].id }, writer);
    expect(codes(again)).toEqual(['NOT_FOUND']);
    // The pair is free again.
    const other = await createIndividual(t, writer, { identifiers: [{ type, value }] });
    expect(other.identifiers).toEqual([expect.objectContaining({ type, value })]);
  });

  it('removeIdentifier asked five times at once removes it once: one answer, four NOT_FOUND, one new version', async () => {
    const person = await createIndividual(t, writer, { identifiers: [{ type: 'DRN', value: unique('DRN') }, { type: 'UIN', value: unique('UIN') }] });
    const answers = await Promise.all(Array.from({ length: 5 }, () => t.gql(REMOVE, { id: person.identifiers[0].id }, writer)));
    expect(answers.filter((a) => a.body.data?.removeIdentifier).length).toBe(1);
    expect(answers.flatMap(codes).sort()).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND']);
    const after = ok(await t.gql(`query ($id: ID!) { individual(id: $id) { version identifiers { type } } }`, { id: person.id }, writer)).individual;
    expect(after).toEqual({ version: person.version + 1, identifiers: [{ type: 'UIN' }] });
  });

  it('createIndividual with a taken identifier is CONFLICT DUPLICATE_IDENTIFIER and writes nothing', async () => {
    const value = unique('UIN');
    await createIndividual(t, writer, { identifiers: [{ type: 'UIN', value }] });
    const [individualsBefore, identifiersBefore] = [await countIndividuals(), await countIdentifiers()];

    const res = await t.gql(CREATE_INDIVIDUAL, {
      input: { name: { given: 'Dup', family: 'Licate' }, sex: 'male', identifiers: [{ type: 'NATIONAL_ID', value: unique('NID') }, { type: 'UIN', value }] },
    }, writer);
    expect(onlyError(res).extensions).toMatchObject({ code: 'CONFLICT', reason: 'DUPLICATE_IDENTIFIER' });
    expect(res.body.data).toBeNull();
    expect(await countIndividuals()).toBe(individualsBefore);
    expect(await countIdentifiers()).toBe(identifiersBefore);
  });

  it('createIndividual naming the same pair twice is DUPLICATE_IDENTIFIER and writes nothing', async () => {
    const value = unique('UIN');
    const [individualsBefore, identifiersBefore] = [await countIndividuals(), await countIdentifiers()];
    const res = await t.gql(CREATE_INDIVIDUAL, {
      input: { name: { given: 'Twice', family: 'Over' }, sex: 'male', identifiers: [{ type: 'UIN', value }, { type: 'UIN', value }] },
    }, writer);
    expect(onlyError(res).extensions).toMatchObject({ code: 'CONFLICT', reason: 'DUPLICATE_IDENTIFIER' });
    expect(await countIndividuals()).toBe(individualsBefore);
    expect(await countIdentifiers()).toBe(identifiersBefore);
  });

  it('addIdentifier with a pair held by another registrant is DUPLICATE_IDENTIFIER and writes nothing', async () => {
    const value = unique('UIN');
    const holder = await createIndividual(t, writer, { identifiers: [{ type: 'UIN', value }] });
    const other = await createIndividual(t, writer);
    const before = await countIdentifiers();
    const res = await t.gql(ADD, { registrantId: other.id, input: { type: 'UIN', value } }, writer);
    expect(onlyError(res).extensions).toMatchObject({ code: 'CONFLICT', reason: 'DUPLICATE_IDENTIFIER' });
    expect(await countIdentifiers()).toBe(before);
    expect(ok(await t.gql(IDS_OF, { id: other.id }, writer)).individual.identifiers).toEqual([]);
    expect(ok(await t.gql(BY_IDENTIFIER, { type: 'UIN', value }, writer)).registrantByIdentifier.id).toBe(holder.id);
  });

  it('two registrations racing for the same identifier: exactly one is written', async () => {
    const value = unique('UIN');
    const before = await countIndividuals();
    const results = await Promise.all(
      [1, 2].map((n) =>
        t.gql(CREATE_INDIVIDUAL, { input: { name: { given: `Racer${n}`, family: 'Race' }, sex: 'male', identifiers: [{ type: 'UIN', value }] } }, writer),
      ),
    );
    expect(results.filter((r) => !r.body.errors)).toHaveLength(1);
    const loser = results.find((r) => r.body.errors)!;
    expect(onlyError(loser).extensions).toMatchObject({ code: 'CONFLICT', reason: 'DUPLICATE_IDENTIFIER' });
    expect(await countIndividuals()).toBe(before + 1);
    expect(await t.gateway.models.IdentifierClaim.countDocuments({ _id: `UIN:${value}` })).toBe(1);
  });
});
