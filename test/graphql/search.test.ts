/**
 * Searching the registry: cursor pagination over individuals and groups, every filter, and the
 * dashboard counts. Expectations are computed from the records this file writes.
 */
import type { IndividualDoc } from '../../src/store/models/individual';
import type { GroupDoc } from '../../src/store/models/group';
import { seedRegistry } from '../../src/registry/seed';
import { ageOn } from '../../src/graphql/resolvers/types';
import { AGE_BANDS } from '../../src/registry/stats';
import { codes, ok, onlyError, READ, READ_PII, useTestGateway, WRITE } from '../support/gateway';
import { createIndividual } from './fixtures';

const INDIVIDUALS = `query ($filter: IndividualFilter, $first: Int, $after: String) {
  individuals(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }`;
const GROUPS = `query ($filter: GroupFilter, $first: Int, $after: String) {
  groups(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }`;
const STATS = `query ($filter: IndividualFilter) { registryStats(filter: $filter) {
  total bySex { key count } byAgeBand { key count } byArea { key count } byStatus { key count } } }`;

type Filter = Record<string, unknown> | undefined;

describe('searching the registry', () => {
  const t = useTestGateway();
  let reader: string;
  let piiReader: string;
  let people: IndividualDoc[];
  let households: GroupDoc[];

  beforeAll(async () => {
    reader = await t.token(READ);
    piiReader = await t.token(READ_PII);
    const writer = await t.token(WRITE);
    await t.pauseBackgroundWork(); // the DCI outbox scanner would otherwise chew through the seeded events meanwhile
    await seedRegistry(t.gateway.models, { individuals: 130, seed: 7 });
    // A few records the seed never makes: other sexes, no address, no birth date, inactive, deceased.
    await createIndividual(t, writer, { name: { given: 'Zed', family: 'Nowhere' }, sex: 'other', birthDate: null });
    const inactive = await createIndividual(t, writer, { sex: 'unknown', addresses: [{ areaCode: 'XX-99' }], identifiers: [{ type: 'DRN', value: 'SEARCH-DRN-1' }] });
    ok(await t.gql(`mutation { updateIndividual(id: "${inactive.id}", version: 1, input: { status: inactive }) { id } }`, {}, writer));
    const dead = await createIndividual(t, writer, { sex: 'male', birthDate: null, addresses: [{ areaCode: 'XX-99' }] });
    ok(await t.gql(`mutation { recordDeath(id: "${dead.id}", deathDate: "2021-01-01") { id } }`, {}, writer));
    people = (await t.gateway.models.Individual.find({}).sort({ _id: 1 }).lean()) as IndividualDoc[];
    households = (await t.gateway.models.Group.find({}).sort({ _id: 1 }).lean()) as GroupDoc[];
  });

  /** Walks every page; checks each page's shape on the way and returns the ids in order. */
  async function walk(query: string, field: 'individuals' | 'groups', filter: Filter, pageSize: number, token = reader) {
    const ids: string[] = [];
    let after: string | undefined;
    let totalCount: number | undefined;
    for (let page = 0; page < 1000; page++) {
      const conn = ok(await t.gql(query, { filter, first: pageSize, after }, token))[field];
      totalCount ??= conn.totalCount;
      expect(conn.totalCount).toBe(totalCount);
      expect(conn.edges.length).toBeLessThanOrEqual(pageSize);
      ids.push(...conn.edges.map((e: any) => e.node.id));
      if (conn.edges.length) expect(conn.pageInfo.endCursor).toBe(conn.edges[conn.edges.length - 1].cursor);
      if (!conn.pageInfo.hasNextPage) {
        expect(conn.pageInfo.endCursor === null).toBe(conn.edges.length === 0);
        break;
      }
      expect(conn.edges).toHaveLength(pageSize);
      after = conn.pageInfo.endCursor;
    }
    expect(new Set(ids).size).toBe(ids.length); // no duplicates
    expect(ids.length).toBe(totalCount); // no gaps
    return ids;
  }

  const idsOf = (docs: { _id: unknown }[]) => docs.map((d) => `${d._id}`);
  const walkIndividuals = (filter: Filter, pageSize = 30, token = reader) => walk(INDIVIDUALS, 'individuals', filter, pageSize, token);
  const walkGroups = (filter: Filter, pageSize = 9, token = reader) => walk(GROUPS, 'groups', filter, pageSize, token);

  describe('individuals connection', () => {
    it('pages through every individual once, in a stable order, with the total on every page', async () => {
      expect(people.length).toBe(133);
      expect(await walkIndividuals(undefined, 25)).toEqual(idsOf(people));
      expect(await walkIndividuals(undefined, 100)).toEqual(idsOf(people));
    });

    it('defaults to 20 per page and refuses a page size outside 1..100', async () => {
      const conn = ok(await t.gql(INDIVIDUALS, {}, reader)).individuals;
      expect(conn.edges).toHaveLength(20);
      expect(conn.pageInfo.hasNextPage).toBe(true);
      expect(conn.totalCount).toBe(people.length);
      for (const first of [0, 101, -1]) {
        expect(onlyError(await t.gql(INDIVIDUALS, { first }, reader)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
      }
    });

    it('an exact last page says there is no next page', async () => {
      const conn = ok(await t.gql(INDIVIDUALS, { first: 100, after: ok(await t.gql(INDIVIDUALS, { first: people.length - 100 }, reader)).individuals.pageInfo.endCursor }, reader)).individuals;
      expect(conn.edges).toHaveLength(100);
      expect(conn.pageInfo.hasNextPage).toBe(false);
    });

    it('gives the total with offset pages too: the last page, and a page past the end', async () => {
      const OFFSET = `query ($offset: Int, $filter: IndividualFilter) { individuals(offset: $offset, first: 20, filter: $filter, sort: [{ field: birthDate }]) { totalCount edges { node { id } } } }`;
      const last = ok(await t.gql(OFFSET, { offset: 120 }, reader)).individuals;
      expect(last).toMatchObject({ totalCount: people.length, edges: expect.any(Array) });
      expect(last.edges).toHaveLength(people.length - 120);
      expect(ok(await t.gql(OFFSET, { offset: 200 }, reader)).individuals).toEqual({ totalCount: people.length, edges: [] });
      const one = people[7];
      const some = ok(await t.gql(OFFSET, { offset: 0, filter: { areaCode: one.areaCode, sex: one.sex } }, reader)).individuals;
      expect(some.totalCount).toBe(people.filter((p) => p.areaCode === one.areaCode && p.sex === one.sex).length);
    });

    it('refuses a forged cursor', async () => {
      const res = await t.gql(INDIVIDUALS, { after: 'not-a-cursor' }, reader);
      expect(onlyError(res).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    });

    it('filters by sex', async () => {
      for (const sex of ['female', 'male', 'other', 'unknown']) {
        expect(await walkIndividuals({ sex })).toEqual(idsOf(people.filter((p) => p.sex === sex)));
      }
    });

    it('filters by birth date range, both ends inclusive', async () => {
      const dated = people.filter((p) => p.birthDate).map((p) => p.birthDate!.toISOString().slice(0, 10)).sort();
      const from = dated[Math.floor(dated.length / 4)];
      const to = dated[Math.floor((dated.length * 3) / 4)];
      const inRange = (p: IndividualDoc, f?: string, tt?: string) => {
        if (!p.birthDate) return false;
        const d = p.birthDate.toISOString().slice(0, 10);
        return (!f || d >= f) && (!tt || d <= tt);
      };
      expect(await walkIndividuals({ birthDateFrom: from, birthDateTo: to })).toEqual(idsOf(people.filter((p) => inRange(p, from, to))));
      expect(await walkIndividuals({ birthDateFrom: from })).toEqual(idsOf(people.filter((p) => inRange(p, from))));
      expect(await walkIndividuals({ birthDateTo: to })).toEqual(idsOf(people.filter((p) => inRange(p, undefined, to))));
      const reversed = await t.gql(INDIVIDUALS, { filter: { birthDateFrom: to, birthDateTo: from } }, reader);
      expect(onlyError(reversed).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.birthDateFrom' });
    });

    it('filters by area code', async () => {
      const areas = [...new Set(people.map((p) => p.areaCode).filter(Boolean))] as string[];
      expect(areas.length).toBeGreaterThan(3);
      for (const areaCode of areas) {
        expect(await walkIndividuals({ areaCode })).toEqual(idsOf(people.filter((p) => p.areaCode === areaCode)));
      }
      expect(await walkIndividuals({ areaCode: 'NO-SUCH-AREA' })).toEqual([]);
    });

    it('filters by status', async () => {
      for (const status of ['active', 'inactive', 'deceased']) {
        const expected = idsOf(people.filter((p) => p.status === status));
        expect(expected.length).toBeGreaterThan(0);
        expect(await walkIndividuals({ status })).toEqual(expected);
      }
    });

    it('filters by identifier type', async () => {
      for (const type of ['UIN', 'NATIONAL_ID', 'BRN', 'DRN']) {
        const expected = idsOf(people.filter((p) => p.identifiers.some((i) => i.type === type)));
        expect(expected.length).toBeGreaterThan(0);
        expect(await walkIndividuals({ identifierType: type })).toEqual(expected);
      }
    });

    it('combines filters with AND', async () => {
      const areaCode = people[0].areaCode!;
      const expected = people.filter((p) => p.sex === 'female' && p.areaCode === areaCode && p.identifiers.some((i) => i.type === 'UIN'));
      expect(await walkIndividuals({ sex: 'female', areaCode, identifierType: 'UIN' }, 3)).toEqual(idsOf(expected));
    });

    it('combines ids and an identifier with AND, as every other pair: the holder only when among the ids', async () => {
      const [holder, other] = people.filter((p) => p.identifiers.some((i) => i.type === 'UIN'));
      const uin = holder.identifiers.find((i) => i.type === 'UIN')!;
      const identifier = { type: 'UIN', value: uin.value };
      expect(await walkIndividuals({ ids: [`${other._id}`], identifier })).toEqual([]);
      expect(await walkIndividuals({ ids: [`${other._id}`, `${holder._id}`], identifier })).toEqual([`${holder._id}`]);
      const [household, otherHousehold] = households;
      const householdId = { type: 'HOUSEHOLD_ID', value: household.identifiers.find((i) => i.type === 'HOUSEHOLD_ID')!.value };
      expect(await walkGroups({ ids: [`${otherHousehold._id}`], identifier: householdId })).toEqual([]);
      expect(await walkGroups({ ids: [`${household._id}`], identifier: householdId })).toEqual([`${household._id}`]);
    });

    it('filters by name prefix (given or family, case-insensitive) for callers with registry:pii', async () => {
      const prefixes = [people[0].name.family.slice(0, 3), people[1].name.given.slice(0, 2).toLowerCase(), 'Zed'];
      for (const prefix of prefixes) {
        const p = prefix.toLowerCase();
        const expected = people.filter((x) => x.name.given.toLowerCase().startsWith(p) || x.name.family.toLowerCase().startsWith(p));
        expect(expected.length).toBeGreaterThan(0);
        expect(await walkIndividuals({ namePrefix: prefix }, 5, piiReader)).toEqual(idsOf(expected));
      }
      // Regular-expression characters are taken literally.
      expect(await walkIndividuals({ namePrefix: '.*' }, 5, piiReader)).toEqual([]);
    });

    it('refuses a name prefix search without registry:pii (FORBIDDEN)', async () => {
      const res = await t.gql(INDIVIDUALS, { filter: { namePrefix: 'Am' } }, reader);
      expect(onlyError(res).extensions).toMatchObject({ code: 'FORBIDDEN', scope: 'registry:pii' });
      expect(res.body.data).toBeNull();
    });
  });

  describe('groups connection', () => {
    it('pages through every group once', async () => {
      expect(households.length).toBeGreaterThan(20);
      expect(await walkGroups(undefined, 7)).toEqual(idsOf(households));
    });

    it('filters by kind, area code, identifier type and size', async () => {
      expect(await walkGroups({ kind: 'household' })).toEqual(idsOf(households.filter((g) => g.kind === 'household')));
      expect(await walkGroups({ kind: 'family' })).toEqual([]);
      const areaCode = households[0].areaCode!;
      expect(await walkGroups({ areaCode })).toEqual(idsOf(households.filter((g) => g.areaCode === areaCode)));
      expect(await walkGroups({ identifierType: 'HOUSEHOLD_ID' })).toEqual(idsOf(households));
      expect(await walkGroups({ identifierType: 'UIN' })).toEqual([]);
      expect(await walkGroups({ minSize: 3 })).toEqual(idsOf(households.filter((g) => g.size >= 3)));
      expect(await walkGroups({ maxSize: 2 })).toEqual(idsOf(households.filter((g) => g.size <= 2)));
      expect(await walkGroups({ minSize: 2, maxSize: 4 })).toEqual(idsOf(households.filter((g) => g.size >= 2 && g.size <= 4)));
      // An inverted range is refused as the birth-date one is, not answered with nothing; so inside an and.
      for (const [filter, field] of [
        [{ minSize: 10, maxSize: 2 }, 'filter.minSize'],
        [{ minPovertyScore: 50, maxPovertyScore: 10 }, 'filter.minPovertyScore'],
        [{ and: [{ minSize: 4, maxSize: 3 }] }, 'filter.and[0].minSize'],
      ] as const) {
        expect(onlyError(await t.gql(GROUPS, { filter }, reader)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      }
    });

    it('filters by name prefix with registry:pii, and refuses it without', async () => {
      const prefix = households[0].name.slice(0, 4);
      const expected = households.filter((g) => g.name.toLowerCase().startsWith(prefix.toLowerCase()));
      expect(await walkGroups({ namePrefix: prefix.toUpperCase() }, 3, piiReader)).toEqual(idsOf(expected));
      const res = await t.gql(GROUPS, { filter: { namePrefix: prefix } }, reader);
      expect(onlyError(res).extensions).toMatchObject({ code: 'FORBIDDEN' });
    });
  });

  const countBy = (docs: IndividualDoc[], key: (p: IndividualDoc) => string) => {
    const counts = new Map<string, number>();
    for (const p of docs) counts.set(key(p), (counts.get(key(p)) ?? 0) + 1);
    return [...counts].map(([k, count]) => ({ key: k, count })).sort((a, b) => a.key.localeCompare(b.key));
  };
  const expectedStats = (docs: IndividualDoc[]) => {
    const now = new Date();
    return {
      total: docs.length,
      bySex: countBy(docs, (p) => p.sex),
      byArea: countBy(docs, (p) => p.areaCode ?? 'unknown'),
      byStatus: countBy(docs, (p) => p.status),
      byAgeBand: AGE_BANDS.map((band) => ({
        key: band.label,
        count: docs.filter((p) => p.birthDate && ageOn(p.birthDate, now) >= band.min && ageOn(p.birthDate, now) <= band.max).length,
      })),
    };
  };

  describe('registryStats', () => {
    it('counts the whole registry by sex, age band, area and status', async () => {
      const stats = ok(await t.gql(STATS, {}, reader)).registryStats;
      expect(stats).toEqual(expectedStats(people));
      expect(stats.byAgeBand.every((b: any) => b.count >= 0)).toBe(true);
      expect(stats.byArea.find((a: any) => a.key === 'unknown')?.count).toBe(1);
    });

    it('counts only what the filter selects', async () => {
      const areaCode = people[0].areaCode!;
      expect(ok(await t.gql(STATS, { filter: { areaCode } }, reader)).registryStats).toEqual(expectedStats(people.filter((p) => p.areaCode === areaCode)));
      expect(ok(await t.gql(STATS, { filter: { sex: 'female', status: 'active' } }, reader)).registryStats).toEqual(
        expectedStats(people.filter((p) => p.sex === 'female' && p.status === 'active')),
      );
    });

    it('refuses a name prefix filter without registry:pii', async () => {
      expect(codes(await t.gql(STATS, { filter: { namePrefix: 'A' } }, reader))).toEqual(['FORBIDDEN']);
      const prefix = people[0].name.family.slice(0, 2);
      const p = prefix.toLowerCase();
      expect(ok(await t.gql(STATS, { filter: { namePrefix: prefix } }, piiReader)).registryStats.total).toBe(
        people.filter((x) => x.name.given.toLowerCase().startsWith(p) || x.name.family.toLowerCase().startsWith(p)).length,
      );
    });
  });

  // An indicator condition selects by a list of ids, which the query folds into its own `_id`
  // condition wherever the filter puts it: the answers must be those of the plain reading.
  describe('indicator conditions among other filters', () => {
    const size = new Map<string, number>();
    beforeAll(async () => {
      // Stored values for all but the last ten people (who have none, so match no comparison).
      const valued = people.slice(0, -10);
      valued.forEach((p, i) => size.set(`${p._id}`, i % 7));
      await t.gateway.models.IndicatorValues.insertMany(valued.map((p) => ({ _id: p._id, area: p.areaCode ?? null, v: { household_size: { value: size.get(`${p._id}`), at: new Date() } } })));
    });
    const sizeOf = (p: IndividualDoc) => size.get(`${p._id}`);
    const cond = (op: string, value: number) => ({ indicator: { name: 'household_size', op, value: String(value) } });
    const ids = (docs: IndividualDoc[]) => idsOf(docs);

    it('answers each combination as its plain reading, on every page, with its total', async () => {
      const [a, b] = [people[3], people[4]];
      const cases: [Filter, (p: IndividualDoc) => boolean][] = [
        [cond('ge', 4), (p) => sizeOf(p)! >= 4],
        [{ not: cond('ge', 4) }, (p) => !(sizeOf(p)! >= 4)],
        [{ and: [cond('ge', 2), { sex: 'female' }] }, (p) => sizeOf(p)! >= 2 && p.sex === 'female'],
        [{ and: [cond('ge', 2), cond('le', 4)], not: cond('eq', 3) }, (p) => [2, 4].includes(sizeOf(p)!)],
        [{ or: [cond('eq', 1), cond('eq', 5)] }, (p) => [1, 5].includes(sizeOf(p)!)],
        [{ or: [cond('eq', 1), { sex: 'other' }] }, (p) => sizeOf(p) === 1 || p.sex === 'other'],
        [{ ids: [`${a._id}`, `${b._id}`], not: cond('eq', sizeOf(a)!) }, (p) => `${p._id}` === `${b._id}`],
        [{ sex: 'male', not: { and: [cond('lt', 3), { areaCode: people[0].areaCode }] } }, (p) => p.sex === 'male' && !(sizeOf(p)! < 3 && p.areaCode === people[0].areaCode)],
      ];
      for (const [filter, holds] of cases) {
        const expected = ids(people.filter(holds));
        expect(expected.length).toBeGreaterThan(0);
        expect({ filter, ids: await walkIndividuals(filter, 7) }).toEqual({ filter, ids: expected });
      }
    });

    it('counts what an indicator condition selects, in or out', async () => {
      const stats = async (filter: Filter) => ok(await t.gql(STATS, { filter }, reader)).registryStats;
      expect(await stats(cond('ge', 4))).toEqual(expectedStats(people.filter((p) => sizeOf(p)! >= 4)));
      expect(await stats({ not: cond('ge', 4) })).toEqual(expectedStats(people.filter((p) => !(sizeOf(p)! >= 4))));
    });
  });
});
