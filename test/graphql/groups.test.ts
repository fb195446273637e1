/** Groups and memberships: registering, updating, members, and the one-head-per-group rule. */
import { codes, ok, onlyError, READ, useTestGateway, WRITE } from '../support/gateway';
import { ADD_MEMBER, addMember, createGroup, createIndividual, GROUP_FIELDS, isoDay } from './fixtures';

const READ_GROUP = `query ($id: ID!) { group(id: $id) { ${GROUP_FIELDS} } }`;
const READ_GROUP_ALL_MEMBERS = `query ($id: ID!) { group(id: $id) { size members(includeEnded: true) { id role current endDate } } }`;
const UPDATE_GROUP = `mutation ($id: ID!, $version: Int!, $input: UpdateGroupInput!) { updateGroup(id: $id, version: $version, input: $input) { ${GROUP_FIELDS} } }`;
const END = `mutation ($id: ID!, $endDate: Date) { endMembership(id: $id, endDate: $endDate) { id role current startDate endDate group { id size } individual { id } } }`;
const INDIVIDUAL_GROUPS = `query ($id: ID!) { individual(id: $id) { groups { id role current group { id name } } } }`;

describe('groups and memberships', () => {
  const t = useTestGateway();
  let writer: string;

  beforeAll(async () => {
    writer = await t.token(WRITE);
  });

  it('createGroup stores every field and returns the stored group, read back by group(id)', async () => {
    const created = await createGroup(t, writer, {
      kind: 'family',
      name: 'Banda family',
      address: { line: '4 Hill Road', locality: 'Odala', areaCode: 'CE-01', regionCode: 'CE', country: 'ZZ' },
      povertyScore: 42.5,
      povertyScoreType: 'PMT',
      identifiers: [{ type: 'HOUSEHOLD_ID', value: 'GRP-CREATE-1', verificationStatus: 'verified' }],
    });
    expect(created).toMatchObject({
      kind: 'family',
      name: 'Banda family',
      address: { line: '4 Hill Road', locality: 'Odala', areaCode: 'CE-01', regionCode: 'CE', country: 'ZZ' },
      povertyScore: 42.5,
      povertyScoreType: 'PMT',
      size: 0,
      version: 1,
      head: null,
      members: [],
      identifiers: [{ type: 'HOUSEHOLD_ID', value: 'GRP-CREATE-1', issuer: null, verificationStatus: 'verified' }],
    });
    expect(created.lastUpdated).toBe(created.registrationDate);
    expect(ok(await t.gql(READ_GROUP, { id: created.id }, writer)).group).toEqual(created);
  });

  it('group(id) answers null for an id that does not exist', async () => {
    const res = await t.gql(READ_GROUP, { id: 'ffffffffffffffffffffffff' }, await t.token(READ));
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.group).toBeNull();
  });

  it('updateGroup applies the change with the current version and refuses a stale one', async () => {
    const created = await createGroup(t, writer, { name: 'Old name', povertyScore: 10 });
    const updated = ok(await t.gql(UPDATE_GROUP, { id: created.id, version: 1, input: { name: 'New name', kind: 'other', povertyScore: 55.5 } }, writer)).updateGroup;
    expect(updated).toMatchObject({ id: created.id, name: 'New name', kind: 'other', povertyScore: 55.5, version: 2 });
    expect(ok(await t.gql(READ_GROUP, { id: created.id }, writer)).group).toEqual(updated);

    const stale = await t.gql(UPDATE_GROUP, { id: created.id, version: 1, input: { name: 'Stale' } }, writer);
    expect(onlyError(stale).extensions).toMatchObject({ code: 'CONFLICT', reason: 'STALE_VERSION' });
    expect(ok(await t.gql(READ_GROUP, { id: created.id }, writer)).group.name).toBe('New name');
  });

  it('addMember links an individual to a group: membership, group size, head, and the individual\'s groups', async () => {
    const group = await createGroup(t, writer, { name: 'Kamau household' });
    const head = await createIndividual(t, writer, { sex: 'male' });
    const child = await createIndividual(t, writer, { birthDate: '2015-02-02' });

    const headMembership = await addMember(t, writer, group.id, head.id, 'head');
    expect(headMembership).toMatchObject({ role: 'head', current: true, endDate: null, startDate: isoDay(), group: { id: group.id, size: 1 }, individual: { id: head.id } });
    const childMembership = await addMember(t, writer, group.id, child.id, 'child');
    expect(childMembership).toMatchObject({ role: 'child', current: true, group: { id: group.id, size: 2 } });

    const read = ok(await t.gql(READ_GROUP, { id: group.id }, writer)).group;
    expect(read.size).toBe(2);
    expect(read.version).toBe(3);
    expect(read.head).toEqual({ id: head.id });
    expect(read.members.map((m: any) => [m.id, m.role, m.individual.id])).toEqual([
      [headMembership.id, 'head', head.id],
      [childMembership.id, 'child', child.id],
    ]);
    const groups = ok(await t.gql(INDIVIDUAL_GROUPS, { id: child.id }, writer)).individual.groups;
    expect(groups).toEqual([{ id: childMembership.id, role: 'child', current: true, group: { id: group.id, name: 'Kamau household' } }]);
  });

  it('addMember refuses an individual who is already a current member (ALREADY_MEMBER)', async () => {
    const group = await createGroup(t, writer);
    const person = await createIndividual(t, writer);
    await addMember(t, writer, group.id, person.id, 'spouse');
    const again = await t.gql(ADD_MEMBER, { input: { groupId: group.id, individualId: person.id, role: 'other' } }, writer);
    expect(onlyError(again).extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_MEMBER' });
    expect(ok(await t.gql(READ_GROUP, { id: group.id }, writer)).group.size).toBe(1);
  });

  it('addMember to an unknown group or individual is NOT_FOUND', async () => {
    const group = await createGroup(t, writer);
    const person = await createIndividual(t, writer);
    const noGroup = await t.gql(ADD_MEMBER, { input: { groupId: '0123456789abcdef01234567', individualId: person.id, role: 'child' } }, writer);
    expect(codes(noGroup)).toEqual(['NOT_FOUND']);
    const noPerson = await t.gql(ADD_MEMBER, { input: { groupId: group.id, individualId: '0123456789abcdef01234567', role: 'child' } }, writer);
    expect(codes(noPerson)).toEqual(['NOT_FOUND']);
  });

  it('a second current head is refused with CONFLICT SECOND_HEAD and nothing changes', async () => {
    const group = await createGroup(t, writer);
    const first = await createIndividual(t, writer);
    const second = await createIndividual(t, writer);
    await addMember(t, writer, group.id, first.id, 'head');
    const res = await t.gql(ADD_MEMBER, { input: { groupId: group.id, individualId: second.id, role: 'head' } }, writer);
    expect(onlyError(res).extensions).toMatchObject({ code: 'CONFLICT', reason: 'SECOND_HEAD' });
    const read = ok(await t.gql(READ_GROUP, { id: group.id }, writer)).group;
    expect(read.size).toBe(1);
    expect(read.head).toEqual({ id: first.id });
  });

  it('endMembership ends the head\'s membership; a new head can then be added', async () => {
    const group = await createGroup(t, writer);
    const first = await createIndividual(t, writer);
    const second = await createIndividual(t, writer);
    const firstHead = await addMember(t, writer, group.id, first.id, 'head');

    const ended = ok(await t.gql(END, { id: firstHead.id }, writer)).endMembership;
    expect(ended).toMatchObject({ id: firstHead.id, role: 'head', current: false, endDate: isoDay(), group: { id: group.id, size: 0 }, individual: { id: first.id } });
    expect(ok(await t.gql(READ_GROUP, { id: group.id }, writer)).group).toMatchObject({ size: 0, head: null, members: [] });

    const newHead = await addMember(t, writer, group.id, second.id, 'head');
    expect(newHead).toMatchObject({ role: 'head', current: true });
    const read = ok(await t.gql(READ_GROUP_ALL_MEMBERS, { id: group.id }, writer)).group;
    expect(read.size).toBe(1);
    expect(read.members).toEqual([
      { id: firstHead.id, role: 'head', current: false, endDate: isoDay() },
      { id: newHead.id, role: 'head', current: true, endDate: null },
    ]);
    expect(ok(await t.gql(READ_GROUP, { id: group.id }, writer)).group.head).toEqual({ id: second.id });

    const twice = await t.gql(END, { id: firstHead.id }, writer);
    expect(onlyError(twice).extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_ENDED' });
  });

  it('an individual can rejoin a group after the earlier membership ended', async () => {
    const group = await createGroup(t, writer);
    const person = await createIndividual(t, writer);
    const first = await addMember(t, writer, group.id, person.id, 'child');
    ok(await t.gql(END, { id: first.id }, writer));
    const again = await addMember(t, writer, group.id, person.id, 'other');
    expect(again).toMatchObject({ role: 'other', current: true, group: { size: 1 } });
  });

  it('addMember refuses a start date before the individual was born, and takes the birth date itself', async () => {
    const group = await createGroup(t, writer);
    const person = await createIndividual(t, writer, { birthDate: '2010-03-04' });
    const early = await t.gql(ADD_MEMBER, { input: { groupId: group.id, individualId: person.id, role: 'child', startDate: '2010-03-03' } }, writer);
    expect(onlyError(early).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'startDate' });
    expect(ok(await t.gql(READ_GROUP, { id: group.id }, writer)).group).toMatchObject({ size: 0, version: group.version });
    const atBirth = ok(await t.gql(ADD_MEMBER, { input: { groupId: group.id, individualId: person.id, role: 'child', startDate: '2010-03-04' } }, writer));
    expect(atBirth.addMember).toMatchObject({ startDate: '2010-03-04', current: true, group: { size: 1 } });
  });

  it('a membership can be ended with an explicit end date on the day it started', async () => {
    const group = await createGroup(t, writer);
    const person = await createIndividual(t, writer);
    const membership = await addMember(t, writer, group.id, person.id, 'child');
    expect(membership.startDate).toBe(isoDay());
    const res = await t.gql(END, { id: membership.id, endDate: isoDay() }, writer);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.endMembership).toMatchObject({ current: false, startDate: isoDay(), endDate: isoDay() });
  });

  it('two heads added concurrently: exactly one wins, the other gets SECOND_HEAD (5 races)', async () => {
    for (let round = 0; round < 5; round++) {
      const group = await createGroup(t, writer);
      const a = await createIndividual(t, writer);
      const b = await createIndividual(t, writer);
      const results = await Promise.all(
        [a, b].map((p) => t.gql(ADD_MEMBER, { input: { groupId: group.id, individualId: p.id, role: 'head' } }, writer)),
      );
      const winners = results.filter((r) => !r.body.errors);
      const read = ok(await t.gql(READ_GROUP, { id: group.id }, writer)).group;
      expect({
        round,
        succeeded: winners.length,
        refusals: results.flatMap((r) => (r.body.errors ?? []).map((e) => `${e.extensions?.code}/${e.extensions?.reason}`)),
        size: read.size,
        headIsWinner: read.head?.id === winners[0]?.body.data!.addMember.individual.id,
      }).toEqual({ round, succeeded: 1, refusals: ['CONFLICT/SECOND_HEAD'], size: 1, headIsWinner: true });
    }
  });

  it('ending the same membership twice concurrently: exactly one succeeds and the size drops by one (5 races)', async () => {
    for (let round = 0; round < 5; round++) {
      const group = await createGroup(t, writer);
      const a = await createIndividual(t, writer);
      const b = await createIndividual(t, writer);
      const m = await addMember(t, writer, group.id, a.id, 'spouse');
      await addMember(t, writer, group.id, b.id, 'child');
      const results = await Promise.all([t.gql(END, { id: m.id }, writer), t.gql(END, { id: m.id }, writer)]);
      const outcome = {
        round,
        succeeded: results.filter((r) => !r.body.errors).length,
        refusals: results.flatMap((r) => (r.body.errors ?? []).map((e) => `${e.extensions?.code}/${e.extensions?.reason}`)),
        size: ok(await t.gql(READ_GROUP, { id: group.id }, writer)).group.size,
      };
      expect(outcome).toEqual({ round, succeeded: 1, refusals: ['CONFLICT/ALREADY_ENDED'], size: 1 });
    }
  });

  it('members added concurrently are all counted in the group size and version', async () => {
    const group = await createGroup(t, writer);
    const people = await Promise.all(Array.from({ length: 6 }, () => createIndividual(t, writer)));
    const results = await Promise.all(
      people.map((p) => t.gql(ADD_MEMBER, { input: { groupId: group.id, individualId: p.id, role: 'child' } }, writer)),
    );
    expect(results.flatMap((r) => r.body.errors ?? [])).toEqual([]);
    const read = ok(await t.gql(READ_GROUP, { id: group.id }, writer)).group;
    expect({ members: read.members.length, size: read.size, version: read.version }).toEqual({ members: 6, size: 6, version: 7 });
  });
});
