/**
 * A membership change stopped after the memberships collection was written, before the group and
 * the individual got their copies: retrying the change is refused as already made, and mends them.
 */
import { Types } from 'mongoose';
import { newMembership } from '../../src/registry/memberships';
import { headSlot, memberSlot } from '../../src/store/models/membership';
import { ok, onlyError, useTestGateway, WRITE } from '../support/gateway';
import { ADD_MEMBER, createGroup, createIndividual } from './fixtures';

const READ = `query ($g: ID!, $i: ID!) {
  group(id: $g) { size version members { id role } }
  individual(id: $i) { groups { id role group { id } } } }`;
const END = `mutation ($id: ID!) { endMembership(id: $id) { id } }`;

describe('group and individual copies of memberships after a stopped write', () => {
  const t = useTestGateway();
  let writer: string;

  beforeAll(async () => {
    writer = await t.token(WRITE);
  });

  it('a retried addMember is ALREADY_MEMBER and puts the member into the group and the group into the individual', async () => {
    const group = await createGroup(t, writer);
    const person = await createIndividual(t, writer);
    const stopped = newMembership(new Types.ObjectId(group.id), new Types.ObjectId(person.id), 'spouse', new Date(Date.UTC(2024, 0, 1)));
    await t.gateway.models.Membership.create(stopped);
    expect(ok(await t.gql(READ, { g: group.id, i: person.id }, writer))).toMatchObject({ group: { size: 0, members: [] }, individual: { groups: [] } });

    const retry = await t.gql(ADD_MEMBER, { input: { groupId: group.id, individualId: person.id, role: 'spouse' } }, writer);
    expect(onlyError(retry).extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_MEMBER' });
    const read = ok(await t.gql(READ, { g: group.id, i: person.id }, writer));
    expect(read.group).toMatchObject({ size: 1, version: 2, members: [{ id: `${stopped._id}`, role: 'spouse' }] });
    expect(read.individual.groups).toEqual([{ id: `${stopped._id}`, role: 'spouse', group: { id: group.id } }]);

    // In step now: refusing once more writes nothing.
    await t.gql(ADD_MEMBER, { input: { groupId: group.id, individualId: person.id, role: 'spouse' } }, writer);
    expect(ok(await t.gql(READ, { g: group.id, i: person.id }, writer)).group.version).toBe(2);
  });

  it('a retried endMembership is ALREADY_ENDED and takes the member out of both copies', async () => {
    const group = await createGroup(t, writer);
    const person = await createIndividual(t, writer);
    const added = ok(await t.gql(ADD_MEMBER, { input: { groupId: group.id, individualId: person.id, role: 'head' } }, writer)).addMember;
    const m = t.gateway.models.Membership;
    const ended = { ...(await m.findById(added.id).lean())!, endDate: new Date() };
    await m.updateOne({ _id: ended._id }, { $set: { endDate: ended.endDate, headSlot: headSlot(ended), memberSlot: memberSlot(ended) } });
    await t.gateway.models.VersionClaim.create({ _id: `membership-end:${ended._id}`, at: new Date() });

    const retry = await t.gql(END, { id: added.id }, writer);
    expect(onlyError(retry).extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_ENDED' });
    expect(ok(await t.gql(READ, { g: group.id, i: person.id }, writer))).toMatchObject({ group: { size: 0, members: [] }, individual: { groups: [] } });
  });

  it('an endMembership stopped after claiming the ending, before writing it, is finished by a retry once its claim is old', async () => {
    const group = await createGroup(t, writer);
    const person = await createIndividual(t, writer);
    const added = ok(await t.gql(ADD_MEMBER, { input: { groupId: group.id, individualId: person.id, role: 'spouse' } }, writer)).addMember;
    await t.gateway.models.VersionClaim.create({ _id: `membership-end:${added.id}`, at: new Date(Date.now() - 60_000) });

    expect(ok(await t.gql(END, { id: added.id }, writer)).endMembership).toEqual({ id: added.id });
    expect(ok(await t.gql(READ, { g: group.id, i: person.id }, writer))).toMatchObject({ group: { size: 0, members: [] }, individual: { groups: [] } });
  });
});
