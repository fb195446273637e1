/**
 * What a writer stopped between an identifier's claim and its registrant's copy leaves behind, and
 * how the registry mends it when the pair is next met: a claim of an existing registrant is
 * completed, a claim of a registrant never written is released, a removal under way is finished.
 * The leftovers are written here as the stopped writer would have left them, older than the time
 * a write under way is given.
 */
import { Types } from 'mongoose';
import { claimOf, embeddedIdentifier, UNSETTLED_CLAIM_MS } from '../../src/registry/identifiers';
import { codes, ok, unique, useTestGateway, WRITE } from '../support/gateway';
import { CREATE_INDIVIDUAL, createIndividual } from './fixtures';

const BY_IDENTIFIER = `query ($type: String!, $value: String!) { registrantByIdentifier(type: $type, value: $value) { ... on Individual { id identifiers { id type value } } } }`;
const ADD = `mutation ($registrantId: ID!, $input: IdentifierInput!) { addIdentifier(registrantId: $registrantId, input: $input) { id registrant { ... on Individual { id } } } }`;
const IDS_OF = `query ($id: ID!) { individual(id: $id) { identifiers { id type value } } }`;
const REMOVE = `mutation ($id: ID!) { removeIdentifier(id: $id) { id value } }`;

describe('identifier claims left by a stopped writer', () => {
  const t = useTestGateway();
  let writer: string;
  const long = () => new Date(Date.now() - UNSETTLED_CLAIM_MS - 1000);

  beforeAll(async () => {
    writer = await t.token(WRITE);
  });

  /** The claim a writer stopped right after claiming would leave: no copy on the registrant. */
  async function leaveClaim(registrant: Types.ObjectId, value: string, at = long()) {
    const identifier = embeddedIdentifier({ type: 'UIN', value, verificationStatus: 'verified', issuer: 'nira' }, at);
    await t.gateway.models.IdentifierClaim.create(claimOf({ kind: 'individual', id: registrant }, identifier, at));
    return identifier;
  }

  it('a claim whose registrant exists but lacks its copy is completed when the pair is looked up', async () => {
    const person = await createIndividual(t, writer);
    const value = unique('UIN');
    const identifier = await leaveClaim(new Types.ObjectId(person.id), value);

    const found = ok(await t.gql(BY_IDENTIFIER, { type: 'UIN', value }, writer)).registrantByIdentifier;
    expect(found).toEqual({ id: person.id, identifiers: [{ id: `${identifier._id}`, type: 'UIN', value }] });
    expect(ok(await t.gql(IDS_OF, { id: person.id }, writer)).individual.identifiers).toEqual([{ id: `${identifier._id}`, type: 'UIN', value }]);
  });

  it('a claim whose registrant exists but lacks its copy is completed when someone else tries the pair', async () => {
    const person = await createIndividual(t, writer);
    const other = await createIndividual(t, writer);
    const value = unique('UIN');
    await leaveClaim(new Types.ObjectId(person.id), value);

    const res = await t.gql(ADD, { registrantId: other.id, input: { type: 'UIN', value } }, writer);
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'DUPLICATE_IDENTIFIER' });
    expect(ok(await t.gql(IDS_OF, { id: person.id }, writer)).individual.identifiers).toEqual([expect.objectContaining({ type: 'UIN', value })]);
  });

  it('a claim of a registrant that was never written is released: the pair is free again', async () => {
    const value = unique('UIN');
    await leaveClaim(new Types.ObjectId(), value);
    expect(ok(await t.gql(BY_IDENTIFIER, { type: 'UIN', value }, writer)).registrantByIdentifier).toBeNull();
    expect(await t.gateway.models.IdentifierClaim.countDocuments({ _id: `UIN:${value}` })).toBe(0);

    await leaveClaim(new Types.ObjectId(), value);
    const created = ok(await t.gql(CREATE_INDIVIDUAL, { input: { name: { given: 'Free', family: 'Again' }, sex: 'female', identifiers: [{ type: 'UIN', value }] } }, writer)).createIndividual;
    expect(created.identifiers).toEqual([expect.objectContaining({ type: 'UIN', value })]);
    expect(await t.gateway.models.IdentifierClaim.findById(`UIN:${value}`).lean()).toMatchObject({ registrant: new Types.ObjectId(created.id) });
  });

  it('a young claim without a copy is a write under way: it keeps the pair and is not completed yet', async () => {
    const value = unique('UIN');
    await leaveClaim(new Types.ObjectId(), value, new Date());
    const res = await t.gql(CREATE_INDIVIDUAL, { input: { name: { given: 'Too', family: 'Early' }, sex: 'male', identifiers: [{ type: 'UIN', value }] } }, writer);
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'DUPLICATE_IDENTIFIER' });
  });

  it('a removal stopped after marking its claim is finished, not undone', async () => {
    const value = unique('UIN');
    const person = await createIndividual(t, writer, { identifiers: [{ type: 'UIN', value }] });
    await t.gateway.models.IdentifierClaim.updateOne({ _id: `UIN:${value}` }, { $set: { removing: true, at: long() } });

    expect(ok(await t.gql(BY_IDENTIFIER, { type: 'UIN', value }, writer)).registrantByIdentifier).toBeNull();
    const other = await createIndividual(t, writer);
    expect(ok(await t.gql(ADD, { registrantId: other.id, input: { type: 'UIN', value } }, writer)).addIdentifier.registrant).toEqual({ id: other.id });
    expect(ok(await t.gql(IDS_OF, { id: person.id }, writer)).individual.identifiers).toEqual([]);
  });

  it('removeIdentifier retried after a removal stopped finishes it; a removal under way makes it NOT_FOUND', async () => {
    const [stopped, underWay] = [unique('UIN'), unique('UIN')];
    const person = await createIndividual(t, writer, { identifiers: [{ type: 'UIN', value: stopped }, { type: 'UIN', value: underWay }] });
    const [first, second] = person.identifiers;
    await t.gateway.models.IdentifierClaim.updateOne({ _id: `UIN:${stopped}` }, { $set: { removing: true, at: long() } });
    await t.gateway.models.VersionClaim.create({ _id: `identifier-removal:${first.id}`, at: long() });
    await t.gateway.models.IdentifierClaim.updateOne({ _id: `UIN:${underWay}` }, { $set: { removing: true, at: new Date() } });

    expect(ok(await t.gql(REMOVE, { id: first.id }, writer)).removeIdentifier).toMatchObject({ id: first.id, value: stopped });
    expect(codes(await t.gql(REMOVE, { id: second.id }, writer))).toEqual(['NOT_FOUND']);
    expect(ok(await t.gql(IDS_OF, { id: person.id }, writer)).individual.identifiers).toEqual([expect.objectContaining({ value: underWay })]);
    expect(await t.gateway.models.IdentifierClaim.exists({ _id: `UIN:${stopped}` })).toBeNull();
  });
});
