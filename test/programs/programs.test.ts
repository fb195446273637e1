/**
 * Programmes over GraphQL on the real engine: saving and versioning rules, evaluating them over a
 * known population of registry indicators (in the database and in the gateway, same counts),
 * paging the eligible, explaining one person's result, and the evaluation records.
 */
import { Types } from 'mongoose';
import { codes, ok, onlyError, useTestGateway, WRITE } from '../support/gateway';
import { createIndividual, isoDay } from '../graphql/fixtures';

const PROGRAM_FIELDS = 'id name rule version indicators requiredScopes versions { version name rule savedBy } createdAt updatedAt';
const CREATE = `mutation ($input: CreateProgramInput!) { createProgram(input: $input) { ${PROGRAM_FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $version: Int!, $input: UpdateProgramInput!) { updateProgram(id: $id, version: $version, input: $input) { ${PROGRAM_FIELDS} } }`;
const EVALUATE = `query ($programId: ID!, $filter: EligibilityFilter, $first: Int, $after: String) {
  evaluateEligibility(programId: $programId, filter: $filter, first: $first, after: $after) {
    counts { eligible notEligible unknown }
    record { id ruleVersion rule areaCode population strategy counts { eligible notEligible unknown } by }
    edges { cursor node { id name { given } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const EXPLAIN = `query ($programId: ID!, $individualId: ID!) {
  explainEligibility(programId: $programId, individualId: $individualId) {
    result ruleVersion individual { id }
    indicators { indicator name argument value outcome source computedAt expiresAt stale ageSeconds decisive }
  }
}`;

/** Born `years` years ago today (UTC), so the age is exactly `years`. */
const bornYearsAgo = (years: number) => `${Number(isoDay().slice(0, 4)) - years}${isoDay().slice(4)}`;

describe('programmes', () => {
  const t = useTestGateway();
  let admin: string;
  let reader: string;
  const people: Record<string, string> = {};

  beforeAll(async () => {
    admin = await t.token(['programs:admin', 'registry:read']);
    reader = await t.token(['registry:read']);
    const writer = await t.token(WRITE);
    const person = async (key: string, area: string, birthDate: string | null) => {
      people[key] = (await createIndividual(t, writer, { name: { given: key, family: 'Known' }, birthDate, addresses: [{ areaCode: area, country: 'KE' }] })).id;
    };
    // A known population: two areas, ages on both sides of 60, one without a birth date, one deceased.
    await person('elder', 'A1', bornYearsAgo(70));
    await person('senior', 'B2', bornYearsAgo(65));
    await person('adult', 'A1', bornYearsAgo(30));
    await person('child', 'A1', bornYearsAgo(10));
    await person('undated', 'A1', null);
    await person('late', 'A1', bornYearsAgo(80));
    ok(await t.gql(`mutation ($id: ID!, $d: Date!) { recordDeath(id: $id, deathDate: $d) { status } }`, { id: people.late, d: isoDay(-1) }, writer));
  });

  describe('saving rules', () => {
    it('creates a programme at version 1, lists it, and needs programs:admin', async () => {
      const created = ok(await t.gql(CREATE, { input: { name: 'Senior grant', rule: 'age_years >= 60 && !is_deceased' } }, admin)).createProgram;
      expect(created).toMatchObject({
        name: 'Senior grant',
        version: 1,
        indicators: ['age_years', 'is_deceased'],
        requiredScopes: ['registry:read'],
        versions: [{ version: 1, rule: 'age_years >= 60 && !is_deceased', savedBy: 'test-user' }],
      });
      const listed = ok(await t.gql(`{ programs { name version } }`, {}, reader)).programs;
      expect(listed).toContainEqual({ name: 'Senior grant', version: 1 });

      expect(codes(await t.gql(CREATE, { input: { name: 'Other', rule: 'age_years >= 18' } }, reader))).toEqual(['FORBIDDEN']);
      const again = await t.gql(CREATE, { input: { name: 'Senior grant', rule: 'age_years >= 18' } }, admin);
      expect(again.body.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'DUPLICATE_NAME' });
    });

    it('refuses a rule with a clear message naming the place, and saves nothing', async () => {
      const cases: [string, string, number, number, string][] = [
        ['age_years >= 60 &&', 'SYNTAX', 1, 19, 'Unexpected token: EOF'],
        ['age_years >= 60 ||\n  crvs.is_married', 'UNKNOWN_INDICATOR', 2, 3, 'unknown indicator crvs.is_married'],
        ["dr.severity('taste') >= 2.0", 'BAD_ARGUMENT', 1, 1, "dr.severity('taste'): the argument must be one of 'vision'"],
        ['household_size > true', 'TYPE', 1, 1, 'no such overload: double > bool'],
        ['age_years > 1.0 && "aab".matches("^(a+)+$")', 'UNSUPPORTED', 1, 20, 'regular expressions (matches) are not available in rules'],
      ];
      for (const [rule, reason, line, column, text] of cases) {
        const res = await t.gql(CREATE, { input: { name: `Bad ${reason}`, rule } }, admin);
        expect(res.body.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.rule', reason, line, column, offset: expect.any(Number) });
        expect(res.body.errors?.[0].message).toContain(`input.rule: line ${line}, column ${column}: ${text}`);
      }
      const names = ok(await t.gql(`{ programs { name } }`, {}, reader)).programs.map((p: { name: string }) => p.name);
      expect(names.filter((n: string) => n.startsWith('Bad '))).toEqual([]);
    });

    it('saves each update as a new version and keeps the old ones; a stale version is a conflict', async () => {
      const created = ok(await t.gql(CREATE, { input: { name: 'Versioned', rule: 'age_years >= 18' } }, admin)).createProgram;
      const v2 = ok(await t.gql(UPDATE, { id: created.id, version: 1, input: { rule: 'age_years >= 21' } }, admin)).updateProgram;
      const v3 = ok(await t.gql(UPDATE, { id: created.id, version: 2, input: { name: 'Versioned (renamed)' } }, admin)).updateProgram;
      expect(v2).toMatchObject({ version: 2, rule: 'age_years >= 21', name: 'Versioned' });
      expect(v3.versions).toEqual([
        { version: 1, name: 'Versioned', rule: 'age_years >= 18', savedBy: 'test-user' },
        { version: 2, name: 'Versioned', rule: 'age_years >= 21', savedBy: 'test-user' },
        { version: 3, name: 'Versioned (renamed)', rule: 'age_years >= 21', savedBy: 'test-user' },
      ]);
      const stale = await t.gql(UPDATE, { id: created.id, version: 2, input: { rule: 'age_years >= 30' } }, admin);
      expect(stale.body.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'STALE_VERSION' });
      const bad = await t.gql(UPDATE, { id: created.id, version: 3, input: { rule: 'age_years >=' } }, admin);
      expect(bad.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SYNTAX' });
      const taken = await t.gql(UPDATE, { id: created.id, version: 3, input: { name: 'Senior grant' } }, admin);
      expect(taken.body.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'DUPLICATE_NAME' });
      const now = ok(await t.gql(`query ($id: ID!) { program(id: $id) { version name versions { version } } }`, { id: created.id }, reader)).program;
      expect(now).toEqual({ version: 3, name: 'Versioned (renamed)', versions: [{ version: 1 }, { version: 2 }, { version: 3 }] });
    });
  });

  describe('evaluating', () => {
    const ids = (edges: { node: { id: string } }[]) => edges.map((e) => e.node.id);

    it('counts eligible, not eligible and unknown where the values are, and pages the eligible', async () => {
      const created = ok(await t.gql(CREATE, { input: { name: 'Seniors alive', rule: 'age_years >= 60 && !is_deceased' } }, admin)).createProgram;
      const all = ok(await t.gql(EVALUATE, { programId: created.id }, reader)).evaluateEligibility;
      // elder and senior are eligible; adult, child and the deceased are not; undated has no age.
      expect(all.counts).toEqual({ eligible: 2, notEligible: 3, unknown: 1 });
      expect(all.record).toMatchObject({ ruleVersion: 1, rule: 'age_years >= 60 && !is_deceased', areaCode: null, population: 6, strategy: 'database', counts: all.counts, by: 'test-user' });
      expect(ids(all.edges).sort()).toEqual([people.elder, people.senior].sort());

      const inA1 = ok(await t.gql(EVALUATE, { programId: created.id, filter: { areaCode: 'A1' }, first: 1 }, reader)).evaluateEligibility;
      expect(inA1.counts).toEqual({ eligible: 1, notEligible: 3, unknown: 1 });
      expect(ids(inA1.edges)).toEqual([people.elder]);
      expect(inA1.pageInfo.hasNextPage).toBe(false);

      const first = ok(await t.gql(EVALUATE, { programId: created.id, first: 1 }, reader)).evaluateEligibility;
      expect(first.pageInfo.hasNextPage).toBe(true);
      const second = ok(await t.gql(EVALUATE, { programId: created.id, first: 1, after: first.pageInfo.endCursor }, reader)).evaluateEligibility;
      expect([...ids(first.edges), ...ids(second.edges)].sort()).toEqual([people.elder, people.senior].sort());
      expect(second.pageInfo.hasNextPage).toBe(false);
    });

    it('evaluates a rule the database cannot run in the gateway, with the same counts', async () => {
      const created = ok(await t.gql(CREATE, { input: { name: 'Seniors by arithmetic', rule: 'age_years - 60.0 >= 0.0 && !is_deceased' } }, admin)).createProgram;
      const all = ok(await t.gql(EVALUATE, { programId: created.id }, reader)).evaluateEligibility;
      expect(all.counts).toEqual({ eligible: 2, notEligible: 3, unknown: 1 });
      expect(all.record.strategy).toBe('node');
      expect(ids(all.edges).sort()).toEqual([people.elder, people.senior].sort());
      const page = ok(await t.gql(EVALUATE, { programId: created.id, first: 1 }, reader)).evaluateEligibility;
      const next = ok(await t.gql(EVALUATE, { programId: created.id, first: 1, after: page.pageInfo.endCursor }, reader)).evaluateEligibility;
      expect([...ids(page.edges), ...ids(next.edges)].sort()).toEqual([people.elder, people.senior].sort());
      expect([page.pageInfo.hasNextPage, next.pageInfo.hasNextPage]).toEqual([true, false]);
    });

    it('decides with a value missing when the other side of || or && decides', async () => {
      // undated has no age, but is not deceased: `||` holds through its second side.
      const created = ok(await t.gql(CREATE, { input: { name: 'Anyone alive or old', rule: 'age_years >= 60 || !is_deceased' } }, admin)).createProgram;
      const all = ok(await t.gql(EVALUATE, { programId: created.id }, reader)).evaluateEligibility;
      expect(all.counts).toEqual({ eligible: 6, notEligible: 0, unknown: 0 });
    });

    it('counts on the stored values while fresh, and brings the stale ones up to date first', async () => {
      const created = ok(await t.gql(CREATE, { input: { name: 'Children', rule: 'age_years < 18' } }, admin)).createProgram;
      const count = async () => ok(await t.gql(EVALUATE, { programId: created.id }, reader)).evaluateEligibility.counts.eligible;
      expect(await count()).toBe(1); // child
      const models = t.gateway.models;
      const id = (key: string) => new Types.ObjectId(people[key]);
      // Records changed behind the registry's back (no event): stored values stand until they expire.
      const changeBirth = (key: string, years: number) => models.Individual.updateOne({ _id: id(key) }, { $set: { birthDate: new Date(`${bornYearsAgo(years)}T00:00:00Z`) } });
      await changeBirth('adult', 5);
      await changeBirth('child', 40);
      expect(await count()).toBe(1);
      await models.IndicatorValues.updateOne({ _id: id('adult') }, { $set: { 'v.age_years.expiresAt': new Date(Date.now() - 1000) } });
      expect(await count()).toBe(2); // child (stored, still fresh) and adult (recomputed)
      await changeBirth('adult', 30);
      await changeBirth('child', 10);
      await models.IndicatorValues.updateMany({ _id: { $in: [id('adult'), id('child')] } }, { $set: { 'v.age_years.expiresAt': new Date(Date.now() - 1000) } });
      expect(await count()).toBe(1);
    });

    it('records every evaluation on the programme, newest first', async () => {
      const created = ok(await t.gql(CREATE, { input: { name: 'Recorded', rule: 'age_years < 18' } }, admin)).createProgram;
      ok(await t.gql(EVALUATE, { programId: created.id }, reader));
      ok(await t.gql(UPDATE, { id: created.id, version: 1, input: { rule: 'age_years < 40' } }, admin));
      ok(await t.gql(EVALUATE, { programId: created.id, filter: { areaCode: 'A1' } }, reader));
      const records = ok(await t.gql(`query ($id: ID!) { program(id: $id) { evaluations { ruleVersion rule areaCode population counts { eligible notEligible unknown } strategy at } } }`, { id: created.id }, reader)).program.evaluations;
      expect(records).toEqual([
        { ruleVersion: 2, rule: 'age_years < 40', areaCode: 'A1', population: 5, counts: { eligible: 2, notEligible: 2, unknown: 1 }, strategy: 'database', at: expect.any(String) },
        { ruleVersion: 1, rule: 'age_years < 18', areaCode: null, population: 6, counts: { eligible: 1, notEligible: 4, unknown: 1 }, strategy: 'database', at: expect.any(String) },
      ]);
      const EVALUATIONS = `query ($id: ID!, $first: Int) { program(id: $id) { evaluations(first: $first) { ruleVersion } } }`;
      expect(ok(await t.gql(EVALUATIONS, { id: created.id, first: 1 }, reader)).program.evaluations).toEqual([{ ruleVersion: 2 }]);
      for (const first of [0, 101]) {
        expect(onlyError(await t.gql(EVALUATIONS, { id: created.id, first }, reader)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
      }
    });

    it('refuses an unknown programme, a bad cursor and a bad area', async () => {
      expect(codes(await t.gql(EVALUATE, { programId: '0123456789abcdef01234567' }, reader))).toEqual(['NOT_FOUND']);
      const created = ok(await t.gql(CREATE, { input: { name: 'Paged', rule: 'age_years < 18' } }, admin)).createProgram;
      expect((await t.gql(EVALUATE, { programId: created.id, after: 'nonsense' }, reader)).body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
      expect((await t.gql(EVALUATE, { programId: created.id, first: 500 }, reader)).body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
      expect((await t.gql(EVALUATE, { programId: created.id, filter: { areaCode: 'x'.repeat(41) } }, reader)).body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.areaCode' });
      expect((await t.gql(EVALUATE, { programId: created.id, filter: { areaCode: ' ' } }, reader)).body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.areaCode' });
      expect(codes(await t.gql(EVALUATE, { programId: created.id }, null))).toEqual(['UNAUTHENTICATED']);
    });
  });

  describe('explaining', () => {
    it('names the indicators that decided, with their values and freshness', async () => {
      const created = ok(await t.gql(CREATE, { input: { name: 'Explained', rule: 'age_years >= 60 && !is_deceased' } }, admin)).createProgram;
      // Born 80 years ago today and died yesterday: 79 at death.
      const late = ok(await t.gql(EXPLAIN, { programId: created.id, individualId: people.late }, reader)).explainEligibility;
      expect(late).toMatchObject({ result: 'not_eligible', ruleVersion: 1, individual: { id: people.late } });
      expect(late.indicators).toEqual([
        { indicator: 'age_years', name: 'age_years', argument: null, value: '79', outcome: 'ok', source: 'registry', computedAt: expect.any(String), expiresAt: expect.any(String), stale: false, ageSeconds: expect.any(Number), decisive: false },
        { indicator: 'is_deceased', name: 'is_deceased', argument: null, value: 'true', outcome: 'ok', source: 'registry', computedAt: expect.any(String), expiresAt: expect.any(String), stale: false, ageSeconds: expect.any(Number), decisive: true },
      ]);
      const child = ok(await t.gql(EXPLAIN, { programId: created.id, individualId: people.child }, reader)).explainEligibility;
      expect(child.result).toBe('not_eligible');
      expect(child.indicators.map((i: { indicator: string; decisive: boolean }) => [i.indicator, i.decisive])).toEqual([['age_years', true], ['is_deceased', false]]);
      const undated = ok(await t.gql(EXPLAIN, { programId: created.id, individualId: people.undated }, reader)).explainEligibility;
      expect(undated.result).toBe('unknown');
      expect(undated.indicators[0]).toMatchObject({ indicator: 'age_years', value: null, outcome: 'not_found', decisive: true });
      expect(codes(await t.gql(EXPLAIN, { programId: created.id, individualId: '0123456789abcdef01234567' }, reader))).toEqual(['NOT_FOUND']);
    });
  });
});
