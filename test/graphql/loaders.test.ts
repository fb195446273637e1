/**
 * Nested fields are loaded in batches: the number of database round trips of a query does not
 * grow with the number of records it returns.
 */
import { seedRegistry } from '../../src/registry/seed';
import { ok, READ_PII, useTestGateway } from '../support/gateway';

const HOUSEHOLDS = `query ($first: Int) {
  groups(first: $first) {
    totalCount
    edges { node {
      id name size
      identifiers { type value }
      head { id name { given family } identifiers { type value } }
      members {
        role
        individual {
          id name { given family } birthDate
          identifiers { type value verificationStatus }
          groups { role group { id } }
        }
      }
    } }
  } }`;

describe('batched loading', () => {
  const t = useTestGateway();
  let token: string;

  beforeAll(async () => {
    token = await t.token(READ_PII);
    // Background workers would add their own commands to the process-wide counter.
    await t.pauseBackgroundWork();
    await seedRegistry(t.gateway.models, { individuals: 260, seed: 3 });
  });

  async function commandsFor(first: number) {
    const before = t.gateway.store.commandCount();
    const data = ok(await t.gql(HOUSEHOLDS, { first }, token));
    const commands = t.gateway.store.commandCount() - before;
    return { commands, groups: data.groups.edges.map((e: any) => e.node) };
  }

  it('returns households with their members and every identifier', async () => {
    const { groups } = await commandsFor(50);
    expect(groups).toHaveLength(50);
    const members = groups.flatMap((g: any) => g.members);
    expect(members.length).toBeGreaterThan(150); // enough rows to cross a driver batch
    for (const g of groups) {
      expect(g.members).toHaveLength(g.size);
      expect(g.identifiers).toEqual([{ type: 'HOUSEHOLD_ID', value: expect.stringMatching(/^HH-3-/) }]);
      expect(g.head.id).toBe(g.members.find((m: any) => m.role === 'head').individual.id);
      for (const m of g.members) {
        expect(m.individual.identifiers.map((i: any) => i.type)).toContain('UIN');
        expect(m.individual.groups).toEqual([{ role: m.role, group: { id: g.id } }]);
      }
    }
    const identifierRows = members.reduce((n: number, m: any) => n + m.individual.identifiers.length, 0);
    expect(identifierRows).toBe(await t.gateway.models.IdentifierClaim.countDocuments({ registrant: { $in: members.map((m: any) => m.individual.id) } }));
  });

  it('uses the same number of database commands for 5 and for 50 households', async () => {
    await commandsFor(5); // warm-up: nothing lazily initialised is counted below
    const five = await commandsFor(5);
    const fifty = await commandsFor(50);
    expect(five.groups).toHaveLength(5);
    expect(fifty.groups).toHaveLength(50);
    // groups page + totalCount + individuals (members, heads): a handful, not one per row.
    expect(five.commands).toBeLessThanOrEqual(4);
    expect({ households: 50, commands: fifty.commands }).toEqual({ households: 50, commands: five.commands });
  });

  it('answers the dashboard query (bench/README.md) with the groups page and one read of the members by id', async () => {
    const dashboard = `query ($first: Int) { groups(first: $first) { edges { node {
      id name size identifiers { type value }
      members { role individual { id name { given family } sex birthDate identifiers { type value } } } } } } }`;
    const count = async (first: number) => {
      const before = t.gateway.store.commandCount();
      const data = ok(await t.gql(dashboard, { first }, token));
      expect(data.groups.edges).toHaveLength(first);
      return t.gateway.store.commandCount() - before;
    };
    await count(5);
    expect({ five: await count(5), fifty: await count(50) }).toEqual({ five: 2, fifty: 2 });
  });

  it("reads the members' individuals with their groups only when the query asks for them, through fragments too", async () => {
    const count = async (query: string) => {
      const before = t.gateway.store.commandCount();
      const data = ok(await t.gql(query, { first: 20 }, token));
      return { commands: t.gateway.store.commandCount() - before, members: data.groups.edges.flatMap((e: any) => e.node.members) };
    };
    const rolesOnly = await count(`query ($first: Int) { groups(first: $first) { edges { node { members { role } } } } }`);
    expect(rolesOnly.commands).toBe(1);
    expect(rolesOnly.members.length).toBeGreaterThan(20);
    const named = await count(`query ($first: Int) { groups(first: $first) { edges { node { members { ...Person } } } } }
      fragment Person on Membership { role ... on Membership { person: individual { id name { given } } } }`);
    expect(named.commands).toBe(2);
    expect(named.members.every((m: any) => m.person.id && m.person.name.given)).toBe(true);
  });

  it('uses the same number of commands for 5 and 50 individuals in the individuals connection', async () => {
    const query = `query ($first: Int) { individuals(first: $first) { edges { node { id identifiers { value } groups { group { id size head { id } } } } } } }`;
    const count = async (first: number) => {
      const before = t.gateway.store.commandCount();
      ok(await t.gql(query, { first }, token));
      return t.gateway.store.commandCount() - before;
    };
    await count(5);
    expect(await count(50)).toBe(await count(5));
  });

  // Last: it breaks a household on purpose.
  it('names a member whose individual is gone, at its own path', async () => {
    const group = await t.gateway.models.Group.findOne({ size: { $gte: 3 } }).lean();
    const gone = group!.members[1].individual;
    await t.gateway.models.Individual.deleteOne({ _id: gone });
    const res = await t.gql(`query ($id: ID!) { group(id: $id) { id members { role individual { id } } } }`, { id: `${group!._id}` }, token);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ path: ['group', 'members', 1, 'individual'], message: expect.stringMatching(`individual ${gone} of membership .* is missing`) }),
    ]);
    // The non-null member makes the list, and so the group, null: the error says which record broke it.
    expect(res.body.data).toEqual({ group: null });
  });
});
