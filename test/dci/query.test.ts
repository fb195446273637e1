import fs from 'node:fs';
import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { getVariableValues, GraphQLSchema, OperationDefinitionNode, parse, validate } from 'graphql';
import type { SearchCriteria } from '../../adapters/dci/protocol';
import { SEARCH_GROUPS, SEARCH_INDIVIDUALS } from '../../adapters/dci/server/operations';
import { SearchTranslation, translateSearch, TranslateOptions } from '../../adapters/dci/server/query';
import { FULL_DISCLOSURE } from '../../adapters/dci/server/disclosure';

const NOW = new Date('2025-03-02T10:00:00Z');
const EVERYTHING = new Set([
  'age', 'birth_date', 'YOB', 'sex', 'given_name', 'surname', 'location', 'status',
  'group_type', 'group_size', 'poverty_score', 'UIN', 'BRN', 'DRN', 'NATIONAL_ID', 'HOUSEHOLD_ID',
]);
const OPTS: TranslateOptions = { allowedAttributes: EVERYTHING, disclosure: FULL_DISCLOSURE, maxPageSize: 100, now: NOW };

/** Our SDL, as the gateway serves it: every translation must be a valid operation with coercible variables. */
function registrySchema(): GraphQLSchema {
  const dir = path.join(__dirname, '..', '..', 'schema');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.graphql')).sort((a, b) => (a === 'common.graphql' ? -1 : b === 'common.graphql' ? 1 : a.localeCompare(b)));
  return buildSubgraphSchema({ typeDefs: parse(files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n')) });
}
const schema = registrySchema();

function expectSchemaValid(plan: Extract<SearchTranslation, { ok: true }>) {
  const document = parse(plan.operation);
  expect(validate(schema, document)).toEqual([]);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], plan.variables);
  expect(coerced.errors ?? []).toEqual([]);
}

/** Criteria as partners send them: loosely typed JSON. */
type Criteria = Record<string, unknown>;

function translated(criteria: Criteria, opts: Partial<TranslateOptions> = {}) {
  const plan = translateSearch({ query_type: 'predicate', ...criteria } as SearchCriteria, { ...OPTS, ...opts });
  if (!plan.ok) throw new Error(`refused: ${plan.reason} ${plan.message}`);
  expectSchemaValid(plan);
  return plan;
}

function refused(criteria: Criteria, opts: Partial<TranslateOptions> = {}) {
  const plan = translateSearch({ query_type: 'predicate', ...criteria } as SearchCriteria, { ...OPTS, ...opts });
  if (plan.ok) throw new Error(`accepted: ${JSON.stringify(plan.variables.filter)}`);
  return plan;
}

const predicate = (attribute_name: string, operator: string, attribute_value: unknown) => ({ attribute_name, operator, attribute_value });
/** The filter of a one-item predicate list. */
const where = (name: string, op: string, value: unknown, extra: Criteria = {}) =>
  translated({ query: [{ expression1: predicate(name, op, value) }] as never, ...extra }).variables.filter;
const whereGroups = (name: string, op: string, value: unknown) => where(name, op, value, { response_entity: 'Group' });
const template = (query: unknown, collection?: string) => ({
  query_type: 'expression' as const,
  query: { type: 'ns:org:QueryType:expression', value: { expression: { ...(collection && { collection }), query } } } as never,
});

describe('query shapes', () => {
  it('reads an idtype-value query as an identifier match on members', () => {
    const plan = translated({ query_type: 'idtype-value', query: { type: 'UIN', value: '8479516320' } });
    expect(plan).toMatchObject({ entity: 'individual', operation: SEARCH_INDIVIDUALS });
    expect(plan.variables).toEqual({ filter: { identifier: { type: 'UIN', value: '8479516320' } }, sort: [], first: 20, offset: 0 });
  });

  it('normalises NationalID and NID to NATIONAL_ID and accepts integer values', () => {
    expect(translated({ query_type: 'idtype-value', query: { type: 'NationalID', value: 'N-1' } }).variables.filter).toEqual({ identifier: { type: 'NATIONAL_ID', value: 'N-1' } });
    expect(translated({ query_type: 'idtype-value', query: { type: 'NID', value: 8479516320 } }).variables.filter).toEqual({ identifier: { type: 'NATIONAL_ID', value: '8479516320' } });
  });

  it('reads an idtype-value type only as an identifier type, never as another attribute', () => {
    expect(refused({ query_type: 'idtype-value', query: { type: 'sex', value: 'female' } }).reason).toBe('rjct.filter.invalid');
    expect(refused({ query_type: 'idtype-value', query: { type: 'YOB', value: '1990' } }).message).toMatch(/"YOB" is not an identifier type/);
  });

  it('dispatches on the shape, not on query_type (SPDCI samples send predicate lists as expression)', () => {
    const list = [{ expression1: predicate('sex', 'eq', 'female') }];
    expect(translated({ query_type: 'expression', query: list as never }).variables.filter).toEqual({ sex: 'female' });
    expect(translated({ ...template({ sex: 'female' }), query_type: 'idtype-value' }).variables.filter).toEqual({ sex: 'female' });
    expect(translated({ query_type: 'predicate', query: { type: 'UIN', value: '1' } }).variables.filter).toEqual({ identifier: { type: 'UIN', value: '1' } });
  });

  it('refuses GraphQL, whatever the shape, and unknown template languages', () => {
    const graphql = { type: 'ns:org:QueryType:graphql', value: { expression: 'query { person(UIN: "1") { BRN } }' } };
    expect(refused({ query_type: 'graphql', query: graphql })).toMatchObject({ reason: 'rjct.search_criteria.invalid', message: expect.stringMatching(/graphql/) });
    expect(refused({ query_type: 'expression', query: graphql }).reason).toBe('rjct.search_criteria.invalid');
    expect(refused({ query_type: 'expression', query: { type: 'ns:org:QueryType:Sql', value: { expression: { query: { sex: 'male' } } } } }).reason).toBe('rjct.search_criteria.invalid');
    expect(translated({ query_type: 'expression', query: { type: 'NoSql', value: { expression: { query: { sex: 'male' } } } } }).variables.filter).toEqual({ sex: 'male' });
  });

  it('refuses malformed criteria and queries of no recognisable shape', () => {
    expect(refused({ query_type: 'sql' as never, query: [] as never }).reason).toBe('rjct.search_criteria.invalid');
    expect(refused({ query: { type: 'UIN', value: { nested: 1 } } }).reason).toBe('rjct.search_criteria.invalid');
    expect(refused({ query: 'UIN=1' as never }).reason).toBe('rjct.search_criteria.invalid');
    expect(refused({ query_type: 'expression', query: { type: 'expression', value: { expression: { query: { sex: 'male' }, limit: 5 } } } }).reason).toBe('rjct.search_criteria.invalid');
    expect(translateSearch(null as never, OPTS)).toMatchObject({ ok: false, reason: 'rjct.search_criteria.invalid' });
  });

  it('refuses an empty predicate list or query document rather than returning the whole registry', () => {
    expect(refused({ query: [] as never }).reason).toBe('rjct.filter.invalid');
    expect(refused(template({})).reason).toBe('rjct.filter.invalid');
  });
});

describe('record type', () => {
  it.each([
    [{ response_entity: 'Group' }, 'group'],
    [{ response_entity: 'Member' }, 'individual'],
    [{ reg_record_type: 'Group' }, 'group'],
    [{ reg_record_type: 'spdci-extensions-dci:Person' }, 'individual'],
    [{ reg_record_type: 'SRPerson' }, 'individual'],
    [{ reg_record_type: 'Member' }, 'individual'],
    [{}, 'individual'],
  ])('%j searches %s', (hints, entity) => {
    const plan = translated({ query_type: 'idtype-value', query: { type: 'UIN', value: '1' }, ...(hints as Criteria) });
    expect(plan.entity).toBe(entity);
    expect(plan.operation).toBe(entity === 'group' ? SEARCH_GROUPS : SEARCH_INDIVIDUALS);
  });

  it('takes the record type from a template collection, and refuses disagreeing hints', () => {
    expect(translated(template({ group_size: 3 }, 'Group')).entity).toBe('group');
    expect(translated(template({ sex: 'male' }, 'Person')).entity).toBe('individual');
    expect(refused({ ...template({ sex: 'male' }, 'Member'), response_entity: 'Group' }).reason).toBe('rjct.search_criteria.invalid');
    expect(refused({ response_entity: 'Member', reg_record_type: 'Group', query: { type: 'UIN', value: '1' } }).reason).toBe('rjct.search_criteria.invalid');
    expect(refused({ reg_record_type: 'Farmer', query: { type: 'UIN', value: '1' } }).reason).toBe('rjct.search_criteria.invalid');
  });

  it('serves the Social registry type only', () => {
    for (const regType of ['ns:org:RegistryType:Social', 'SOCIAL_REGISTRY', 'social']) {
      expect(translated({ reg_type: regType, query: { type: 'UIN', value: '1' } }).ok).toBe(true);
    }
    expect(refused({ reg_type: 'ns:org:RegistryType:Civil', query: { type: 'UIN', value: '1' } }).reason).toBe('rjct.search_criteria.invalid');
  });
});

describe('attributes', () => {
  it.each([
    ['sex', 'eq', 'Female', { sex: 'female' }],
    ['demographic_info.person.sex', 'eq', 'male', { sex: 'male' }],
    ['demographic_info.sex', 'eq', 'other', { sex: 'other' }],
    ['given_name', 'eq', ' Amina ', { givenName: 'Amina' }],
    ['name.given_name', 'eq', 'Amina', { givenName: 'Amina' }],
    ['surname', 'eq', 'Okafor', { familyName: 'Okafor' }],
    ['family_name', 'eq', 'Okafor', { familyName: 'Okafor' }],
    ['location', 'eq', 'NR-01', { areaCode: 'NR-01' }],
    ['area_code', 'eq', 'NR-01', { areaCode: 'NR-01' }],
    ['area-code', 'eq', 'NR-01', { areaCode: 'NR-01' }],
    ['address.sub_region_code', 'eq', 'NR-01', { areaCode: 'NR-01' }],
    ['status', 'eq', 'deceased', { status: 'deceased' }],
    ['birth_date', 'eq', '1990-05-01', { birthDateFrom: '1990-05-01', birthDateTo: '1990-05-01' }],
    ['birth_date', 'ge', '1990-05-01', { birthDateFrom: '1990-05-01' }],
    ['birth_date', 'gt', '1990-12-31', { birthDateFrom: '1991-01-01' }],
    ['birth_date', 'le', '1990-05-01', { birthDateTo: '1990-05-01' }],
    ['DOB', 'lt', '2024-03-01', { birthDateTo: '2024-02-29' }],
    ['YOB', 'eq', '1990', { birthDateFrom: '1990-01-01', birthDateTo: '1990-12-31' }],
    ['YOB', 'gt', 1990, { birthDateFrom: '1991-01-01' }],
    ['YOB', 'ge', '1990', { birthDateFrom: '1990-01-01' }],
    ['YOB', 'lt', '1990', { birthDateTo: '1989-12-31' }],
    ['YOB', 'le', '1990', { birthDateTo: '1990-12-31' }],
    ['UIN', 'eq', '8479516320', { identifier: { type: 'UIN', value: '8479516320' } }],
    ['BRN', 'eq', 'BRN-77-000451', { identifier: { type: 'BRN', value: 'BRN-77-000451' } }],
    ['DRN', 'eq', 'D-1', { identifier: { type: 'DRN', value: 'D-1' } }],
    ['NationalID', 'eq', 'N-1', { identifier: { type: 'NATIONAL_ID', value: 'N-1' } }],
  ])('member %s %s %j', (name, op, value, filter) => {
    expect(where(name, op, value)).toEqual(filter);
  });

  it.each([
    ['group_size', 'eq', '4', { minSize: 4, maxSize: 4 }],
    ['group_size', 'ge', 4, { minSize: 4 }],
    ['group_size', 'gt', '4', { minSize: 5 }],
    ['group_size', 'le', '4', { maxSize: 4 }],
    ['group_size', 'lt', '4', { maxSize: 3 }],
    ['poverty_score', 'eq', '2.5', { minPovertyScore: 2.5, maxPovertyScore: 2.5 }],
    ['poverty_score', 'ge', '2.5', { minPovertyScore: 2.5 }],
    ['poverty_score', 'le', 2.5, { maxPovertyScore: 2.5 }],
    // Strict bounds: the inclusive bound AND NOT the opposite bound at the same score.
    ['poverty_score', 'lt', '2.5', { maxPovertyScore: 2.5, not: { minPovertyScore: 2.5 } }],
    ['poverty_score', 'gt', '2.5', { minPovertyScore: 2.5, not: { maxPovertyScore: 2.5 } }],
    ['group_type', 'eq', 'household', { kind: 'household' }],
    ['location', 'eq', 'CE-02', { areaCode: 'CE-02' }],
    ['HOUSEHOLD_ID', 'eq', 'HH-1', { identifier: { type: 'HOUSEHOLD_ID', value: 'HH-1' } }],
    ['UIN', 'eq', 'G-1', { identifier: { type: 'UIN', value: 'G-1' } }],
  ])('group %s %s %j', (name, op, value, filter) => {
    expect(whereGroups(name, op, value)).toEqual(filter);
  });

  it('reads in as a comma-separated list, one OR branch per value', () => {
    expect(where('sex', 'in', 'female, other')).toEqual({ or: [{ sex: 'female' }, { sex: 'other' }] });
    expect(where('location', 'in', 'NR-01')).toEqual({ areaCode: 'NR-01' });
    expect(where('age', 'in', '1,2')).toEqual({ or: [{ birthDateFrom: '2023-03-03', birthDateTo: '2024-03-02' }, { birthDateFrom: '2022-03-03', birthDateTo: '2023-03-02' }] });
    expect(refused({ query: [{ expression1: predicate('sex', 'in', 5) }] as never }).reason).toBe('rjct.filter.invalid');
    expect(refused({ query: [{ expression1: predicate('location', 'in', Array(21).fill('A').join(',')) }] as never }).message).toMatch(/1 to 20 values/);
  });

  it('refuses attributes of the other record type with a clear message', () => {
    for (const [name, value] of [['group_size', '4'], ['poverty_score', '2'], ['HOUSEHOLD_ID', 'HH-1'], ['group_type', 'household']]) {
      expect(refused({ query: [{ expression1: predicate(name!, 'eq', value) }] as never })).toEqual({ ok: false, reason: 'rjct.filter.invalid', message: expect.stringMatching(/applies to groups.*response_entity Group/) });
    }
    for (const [name, value] of [['age', '3'], ['sex', 'male'], ['given_name', 'A'], ['status', 'active'], ['YOB', '1990']]) {
      expect(refused({ response_entity: 'Group', query: [{ expression1: predicate(name!, 'eq', value) }] as never }).message).toMatch(/applies to members/);
    }
  });

  it('refuses unknown attributes and unsupported record paths', () => {
    expect(refused({ query: [{ expression1: predicate('mobile', 'eq', '1') }] as never })).toEqual({ ok: false, reason: 'rjct.filter.invalid', message: 'attribute "mobile" is not searchable' });
    expect(refused({ query: [{ expression1: predicate('address.region_code', 'eq', 'NR') }] as never }).message).toMatch(/address.region_code/);
    expect(refused({ query: [{ expression1: predicate('constructor', 'eq', '1') }] as never }).reason).toBe('rjct.filter.invalid');
    expect(refused({ query: [{ expression1: predicate('group_head_info.demographic_info.sex', 'eq', 'female') }] as never, response_entity: 'Group' }).reason).toBe('rjct.filter.invalid');
  });

  it.each([
    ['age', 'eq', 'old'],
    ['age', 'eq', 2.5],
    ['age', 'eq', -1],
    ['age', 'eq', true],
    ['birth_date', 'eq', '1990-02-30'],
    ['birth_date', 'eq', '1990-05-01T00:00:00Z'],
    ['YOB', 'eq', '90s'],
    ['sex', 'eq', 'f'],
    ['status', 'eq', 'alive'],
    ['given_name', 'eq', ''],
    ['given_name', 'eq', { $regex: '.*' }],
    ['surname', 'eq', 'x'.repeat(101)],
    ['UIN', 'eq', false],
  ])('refuses %s %s %j as a bad value', (name, op, value) => {
    expect(refused({ query: [{ expression1: predicate(name, op, value) }] as never }).reason).toBe('rjct.filter.invalid');
  });

  it('refuses bad group values', () => {
    expect(refused({ response_entity: 'Group', query: [{ expression1: predicate('group_size', 'eq', '4.5') }] as never }).reason).toBe('rjct.filter.invalid');
    expect(refused({ response_entity: 'Group', query: [{ expression1: predicate('poverty_score', 'lt', 'low') }] as never }).reason).toBe('rjct.filter.invalid');
    expect(refused({ response_entity: 'Group', query: [{ expression1: predicate('group_type', 'eq', 'clan') }] as never }).reason).toBe('rjct.filter.invalid');
  });

  it('refuses operators an attribute does not take', () => {
    expect(refused({ query: [{ expression1: predicate('sex', 'gt', 'female') }] as never }).message).toBe('operator gt does not apply to "sex" (use eq, ne, in)');
    expect(refused({ query: [{ expression1: predicate('UIN', 'in', '1,2') }] as never }).message).toMatch(/operator in does not apply to "UIN"/);
    expect(refused({ query: [{ expression1: predicate('age', 'like', '3') }] as never }).reason).toBe('rjct.filter.invalid');
  });
});

describe('allowlist', () => {
  const only = (...names: string[]) => ({ allowedAttributes: new Set(names) });

  it('refuses any attribute the partner may not search, naming it', () => {
    expect(refused({ query: [{ expression1: predicate('age', 'lt', '25') }] as never }, only('sex'))).toEqual({ ok: false, reason: 'rjct.filter.invalid', message: 'attribute "age" is not allowed for this partner' });
    expect(refused({ query: [{ expression1: predicate('sex', 'eq', 'male'), condition: 'or', expression2: predicate('surname', 'eq', 'X') }] as never }, only('sex')).message).toMatch(/"surname"/);
    expect(refused(template({ $or: [{ sex: 'male' }, { given_name: 'A' }] }), only('sex')).message).toMatch(/"given_name"/);
  });

  it('checks aliases under their vocabulary name and identifiers under their type', () => {
    expect(translated({ query: [{ expression1: predicate('DOB', 'eq', '1990-01-01') }] as never }, only('birth_date')).variables.filter).toEqual({ birthDateFrom: '1990-01-01', birthDateTo: '1990-01-01' });
    expect(translated({ query_type: 'idtype-value', query: { type: 'NID', value: '1' } }, only('NATIONAL_ID')).ok).toBe(true);
    expect(refused({ query_type: 'idtype-value', query: { type: 'UIN', value: '1' } }, only('NATIONAL_ID')).message).toBe('attribute "UIN" is not allowed for this partner');
    expect(refused({ query_type: 'idtype-value', query: { type: 'PASSPORT', value: '1' } }).reason).toBe('rjct.filter.invalid');
  });
});

describe('age arithmetic', () => {
  it('turns ages into inclusive birth-date bounds relative to now (2025-03-02)', () => {
    expect(where('age', 'lt', '25')).toEqual({ birthDateFrom: '2000-03-03' }); // 25th birthday not yet reached
    expect(where('age', 'le', '24')).toEqual({ birthDateFrom: '2000-03-03' });
    expect(where('age', 'ge', '18')).toEqual({ birthDateTo: '2007-03-02' }); // 18 today
    expect(where('age', 'gt', 17)).toEqual({ birthDateTo: '2007-03-02' });
    expect(where('age', 'eq', '30')).toEqual({ birthDateFrom: '1994-03-03', birthDateTo: '1995-03-02' });
    expect(where('age', 'eq', '0')).toEqual({ birthDateFrom: '2024-03-03', birthDateTo: '2025-03-02' });
  });

  it('treats 29 February like the registry does (the birthday is reached on 1 March)', () => {
    const leapDay = new Date('2024-02-29T12:00:00Z');
    const plan = (op: string, age: string) => translated({ query: [{ expression1: predicate('age', op, age) }] as never }, { now: leapDay }).variables.filter;
    expect(plan('ge', '1')).toEqual({ birthDateTo: '2023-02-28' });
    expect(plan('eq', '4')).toEqual({ birthDateFrom: '2019-03-01', birthDateTo: '2020-02-29' });
  });

  /** The registry's own age (src/graphql/resolvers/types.ts ageOn). */
  function ageOn(birth: Date, on: Date): number {
    const before = on.getUTCMonth() < birth.getUTCMonth() || (on.getUTCMonth() === birth.getUTCMonth() && on.getUTCDate() < birth.getUTCDate());
    return on.getUTCFullYear() - birth.getUTCFullYear() - (before ? 1 : 0);
  }
  const holds = { eq: (a: number, b: number) => a === b, lt: (a: number, b: number) => a < b, le: (a: number, b: number) => a <= b, gt: (a: number, b: number) => a > b, ge: (a: number, b: number) => a >= b };

  it.each(['2025-03-02', '2024-02-29', '2023-02-28', '2024-12-31', '2025-01-01'])('selects exactly the birth dates whose age matches, on %s', (today) => {
    const now = new Date(`${today}T08:00:00Z`);
    for (const op of Object.keys(holds) as (keyof typeof holds)[]) {
      for (const age of [0, 1, 4, 25]) {
        const filter = translated({ query: [{ expression1: predicate('age', op, String(age)) }] as never }, { now }).variables.filter;
        const from = filter.birthDateFrom as string | undefined;
        const to = filter.birthDateTo as string | undefined;
        for (let daysAgo = 0; daysAgo <= (age + 2) * 366; daysAgo += 1) {
          const day = new Date(now.getTime() - daysAgo * 86_400_000).toISOString().slice(0, 10);
          const selected = (from === undefined || day >= from) && (to === undefined || day <= to);
          if (selected !== holds[op](ageOn(new Date(`${day}T00:00:00Z`), now), age)) throw new Error(`${today}: age ${op} ${age} mis-selects ${day}`);
        }
      }
    }
  });
});

describe('predicate lists', () => {
  it('combines expression1 and/or/not expression2', () => {
    const item = (condition: string) => [{ expression1: predicate('sex', 'eq', 'female'), condition, expression2: predicate('location', 'eq', 'NR-01') }];
    expect(translated({ query: item('and') as never }).variables.filter).toEqual({ sex: 'female', areaCode: 'NR-01' });
    expect(translated({ query: item('or') as never }).variables.filter).toEqual({ or: [{ sex: 'female' }, { areaCode: 'NR-01' }] });
    expect(translated({ query: item('not') as never }).variables.filter).toEqual({ sex: 'female', not: { areaCode: 'NR-01' } });
    expect(refused({ query: item('xor') as never }).reason).toBe('rjct.filter.invalid');
  });

  it('ANDs items in seq_num order, keeping clashing fields in separate filters', () => {
    const query = [
      { seq_num: 2, expression1: predicate('sex', 'eq', 'male') },
      { seq_num: 1, expression1: predicate('sex', 'eq', 'female'), condition: 'or', expression2: predicate('age', 'lt', '5') },
      { expression1: predicate('location', 'eq', 'SO-01') },
    ];
    expect(translated({ query: query as never }).variables.filter).toEqual({
      or: [{ sex: 'female' }, { birthDateFrom: '2020-03-03' }],
      sex: 'male',
      areaCode: 'SO-01',
    });
  });

  it('merges a range from two items into one filter, but keeps an empty range apart (the registry refuses from > to)', () => {
    const range = [{ expression1: predicate('age', 'ge', '18'), condition: 'and', expression2: predicate('age', 'lt', '60') }];
    expect(translated({ query: range as never }).variables.filter).toEqual({ birthDateTo: '2007-03-02', birthDateFrom: '1965-03-03' });
    const empty = [{ expression1: predicate('age', 'gt', '60'), condition: 'and', expression2: predicate('age', 'lt', '18') }];
    expect(translated({ query: empty as never }).variables.filter).toEqual({ birthDateTo: '1964-03-02', and: [{ birthDateFrom: '2007-03-03' }] });
    // So are group size and poverty score ranges, which the registry refuses inverted too.
    const groups = { response_entity: 'Group' };
    const size = [{ expression1: predicate('group_size', 'ge', '3'), condition: 'and', expression2: predicate('group_size', 'le', '6') }];
    expect(translated({ ...groups, query: size as never }).variables.filter).toEqual({ minSize: 3, maxSize: 6 });
    const noSize = [{ expression1: predicate('group_size', 'ge', '6'), condition: 'and', expression2: predicate('group_size', 'le', '3') }];
    expect(translated({ ...groups, query: noSize as never }).variables.filter).toEqual({ minSize: 6, and: [{ maxSize: 3 }] });
    const noScore = [{ expression1: predicate('poverty_score', 'ge', '50'), condition: 'and', expression2: predicate('poverty_score', 'le', '10') }];
    expect(translated({ ...groups, query: noScore as never }).variables.filter).toEqual({ minPovertyScore: 50, and: [{ maxPovertyScore: 10 }] });
  });

  it('refuses malformed items instead of ignoring parts of them', () => {
    expect(refused({ query: [{ expression1: predicate('sex', 'eq', 'male'), expression3: predicate('age', 'eq', '1') }] as never }).message).toMatch(/expression3/);
    expect(refused({ query: [{ expression1: predicate('sex', 'eq', 'male'), condition: 'and' }] as never }).reason).toBe('rjct.filter.invalid');
    expect(refused({ query: [{ expression1: { attribute_name: 'sex', operator: 'eq' } }] as never }).reason).toBe('rjct.filter.invalid');
    expect(refused({ query: ['sex=male'] as never }).reason).toBe('rjct.filter.invalid');
    expect(refused({ query: [{ seq_num: 'one', expression1: predicate('sex', 'eq', 'male') }] as never }).reason).toBe('rjct.filter.invalid');
  });

  it('refuses more conditions than one search may ask for', () => {
    const many = Array.from({ length: 51 }, () => ({ expression1: predicate('location', 'eq', 'A') }));
    expect(refused({ query: many as never }).message).toMatch(/more than 50 conditions/);
  });
});

describe('expression templates', () => {
  it('reads field operators, implicit equality and implicit AND', () => {
    expect(translated(template({ sex: 'female', age: { $gte: 18, $lt: 60 } })).variables.filter).toEqual({ sex: 'female', birthDateTo: '2007-03-02', birthDateFrom: '1965-03-03' });
    expect(translated(template({ age: { $gt: 17, $lte: 59 } })).variables.filter).toEqual({ birthDateTo: '2007-03-02', birthDateFrom: '1965-03-03' });
    expect(translated(template({ location: { $eq: 'NR-01' } })).variables.filter).toEqual({ areaCode: 'NR-01' });
    expect(translated(template({ sex: { $ne: 'male' } })).variables.filter).toEqual({ not: { sex: 'male' } });
    expect(translated(template({ sex: { $in: ['male', 'other'] } })).variables.filter).toEqual({ or: [{ sex: 'male' }, { sex: 'other' }] });
  });

  it('reads $and, $or, $nor and $not', () => {
    expect(translated(template({ $and: [{ sex: 'female' }, { location: 'NR-01' }] })).variables.filter).toEqual({ sex: 'female', areaCode: 'NR-01' });
    expect(translated(template({ $or: [{ sex: 'female' }, { location: 'NR-01' }] })).variables.filter).toEqual({ or: [{ sex: 'female' }, { areaCode: 'NR-01' }] });
    expect(translated(template({ $nor: [{ sex: 'female' }, { location: 'NR-01' }] })).variables.filter).toEqual({ not: { or: [{ sex: 'female' }, { areaCode: 'NR-01' }] } });
    expect(translated(template({ $not: { status: 'deceased' } })).variables.filter).toEqual({ not: { status: 'deceased' } });
    expect(translated(template({ age: { $not: { $lt: 18 } } })).variables.filter).toEqual({ not: { birthDateFrom: '2007-03-03' } });
  });

  it('refuses operators outside the allowlist and values that are not scalars', () => {
    for (const query of [{ $where: 'sleep(1000)' }, { given_name: { $regex: '^A' } }, { $expr: {} }, { sex: ['male'] }, { sex: { $in: 'male' } }, { sex: { male: 1 } }, { $and: [] }, { $and: {} }, { sex: { $not: 'male' } }, { sex: null }]) {
      expect(refused(template(query)).reason).toBe('rjct.filter.invalid');
    }
  });

  it('refuses queries nested deeper than the registry allows', () => {
    const negated = (depth: number): object => (depth === 0 ? { sex: 'male' } : { $not: negated(depth - 1) });
    expect(translated(template(negated(4))).ok).toBe(true);
    expect(refused(template(negated(5))).message).toMatch(/more than 4 levels/);
    // Nested ANDs and ORs flatten, so only real alternation counts.
    const flat = (depth: number): object => (depth === 0 ? { sex: 'male' } : { $or: [{ $or: [flat(depth - 1)] }, { location: `A${depth}` }] });
    expect(translated(template(flat(5))).variables.filter).toEqual({ or: [{ sex: 'male' }, ...[1, 2, 3, 4, 5].map((n) => ({ areaCode: `A${n}` }))] });
    expect(refused(template(JSON.parse('{"$not":'.repeat(40) + '{"sex":"male"}' + '}'.repeat(40)))).reason).toBe('rjct.filter.invalid');
  });
});

describe('sort', () => {
  it('maps sort attributes to our sort fields, age reversed', () => {
    const sorted = (sort: unknown, hints: Criteria = {}) => translated({ query: { type: 'UIN', value: '1' }, sort: sort as never, ...hints }).variables.sort;
    expect(sorted([{ attribute_name: 'age', sort_order: 'asc' }])).toEqual([{ field: 'birthDate', direction: 'desc' }]);
    expect(sorted([{ attribute_name: 'age', sort_order: 'desc' }, { attribute_name: 'surname', sort_order: 'asc' }])).toEqual([{ field: 'birthDate', direction: 'asc' }, { field: 'familyName', direction: 'asc' }]);
    expect(sorted([{ attribute_name: 'birth_date', sort_order: 'desc' }, { attribute_name: 'given_name' }])).toEqual([{ field: 'birthDate', direction: 'desc' }, { field: 'givenName', direction: 'asc' }]);
    expect(sorted([{ attribute_name: 'registration_date', sort_order: 'desc' }, { attribute_name: 'last_updated', sort_order: 'asc' }])).toEqual([{ field: 'registrationDate', direction: 'desc' }, { field: 'lastUpdated', direction: 'asc' }]);
    const groups = { response_entity: 'Group' as const };
    expect(sorted([{ attribute_name: 'group_size', sort_order: 'desc' }, { attribute_name: 'poverty_score', sort_order: 'asc' }, { attribute_name: 'registration_date', sort_order: 'asc' }], groups)).toEqual([
      { field: 'size', direction: 'desc' },
      { field: 'povertyScore', direction: 'asc' },
      { field: 'registrationDate', direction: 'asc' },
    ]);
  });

  it.each([
    [[{ attribute_name: 'mobile', sort_order: 'asc' }], {}],
    [[{ attribute_name: 'group_size', sort_order: 'asc' }], {}],
    [[{ attribute_name: 'surname', sort_order: 'asc' }], { response_entity: 'Group' }],
    [[{ attribute_name: 'age', sort_order: 'up' }], {}],
    [[{ attribute_name: 'age' }, { attribute_name: 'birth_date' }], {}],
    [[{ sort_order: 'asc' }], {}],
    [{ attribute_name: 'age' }, {}],
    [[{ attribute_name: 'toString' }], {}],
  ])('refuses sort %j %j', (sort, hints) => {
    expect(refused({ query: { type: 'UIN', value: '1' }, sort: sort as never, ...(hints as Criteria) }).reason).toBe('rjct.sort.invalid');
  });

  it('refuses sorting on a searchable value the partner may not search', () => {
    expect(refused({ query: { type: 'UIN', value: '1' }, sort: [{ attribute_name: 'age', sort_order: 'asc' }] }, { allowedAttributes: new Set(['UIN']) })).toEqual({ ok: false, reason: 'rjct.sort.invalid', message: 'sorting by "age" is not allowed for this partner' });
    expect(translated({ query: { type: 'UIN', value: '1' }, sort: [{ attribute_name: 'last_updated', sort_order: 'asc' }] }, { allowedAttributes: new Set(['UIN']) }).ok).toBe(true);
  });
});

describe('pagination', () => {
  const paged = (pagination: unknown, opts: Partial<TranslateOptions> = {}) =>
    translateSearch({ query_type: 'idtype-value', query: { type: 'UIN', value: '1' }, pagination } as SearchCriteria, { ...OPTS, ...opts });

  it('defaults to 20 per page (capped by the partner maximum) and pages by offset', () => {
    expect(paged(undefined)).toMatchObject({ page: { size: 20, number: 1 }, variables: { first: 20, offset: 0 } });
    expect(paged(undefined, { maxPageSize: 10 })).toMatchObject({ page: { size: 10, number: 1 }, variables: { first: 10, offset: 0 } });
    expect(paged({ page_size: 50 })).toMatchObject({ page: { size: 50, number: 1 }, variables: { first: 50, offset: 0 } });
    expect(paged({ page_size: 50, page_number: 3 })).toMatchObject({ page: { size: 50, number: 3 }, variables: { first: 50, offset: 100 } });
    expect(paged({ page_size: 100, page_number: 101 })).toMatchObject({ variables: { offset: 10_000 } });
  });

  it.each([
    [{ page_size: 0 }],
    [{ page_size: 0, page_number: 0 }],
    [{ page_size: -5 }],
    [{ page_size: 101 }],
    [{ page_size: 2.5 }],
    [{ page_size: '20' }],
    [{ page_number: 1 }],
    [{ page_size: 20, page_number: 0 }],
    [{ page_size: 20, page_number: -1 }],
    [{ page_size: 20, page_number: 1.5 }],
    [{ page_size: 100, page_number: 102 }],
    ['all'],
  ])('refuses %j', (pagination) => {
    expect(paged(pagination)).toMatchObject({ ok: false, reason: 'rjct.pagination.invalid' });
  });
});

describe('SPEC-NOTES appendix examples', () => {
  // A.5 is addressed to a CRVS; its items read here as a Social registry receives them.
  const a5 = {
    version: '1.0.0',
    reg_type: 'ns:org:RegistryType:Civil',
    query_type: 'predicate' as const,
    query: [
      {
        seq_num: 1,
        expression1: { attribute_name: 'birth_date', operator: 'ge', attribute_value: '2024-01-01' },
        condition: 'and',
        expression2: { attribute_name: 'address.region_code', operator: 'eq', attribute_value: 'A205' },
      },
      { seq_num: 2, expression1: { attribute_name: 'sex', operator: 'eq', attribute_value: 'female' } },
    ],
    sort: [{ attribute_name: 'birth_date', sort_order: 'desc' }],
    pagination: { page_size: 100, page_number: 1 },
  };

  it('A.5 batch: refuses the Civil registry type, then the region code we cannot search', () => {
    expect(refused(a5 as never).reason).toBe('rjct.search_criteria.invalid');
    const { reg_type: _civil, ...social } = a5;
    expect(refused(social as never)).toEqual({ ok: false, reason: 'rjct.filter.invalid', message: 'attribute "address.region_code" is not searchable' });
  });

  it('A.5 batch: translates the predicates once the region is given as our area code', () => {
    const { reg_type: _civil, ...social } = a5;
    const query = structuredClone(social.query);
    query[0]!.expression2!.attribute_name = 'address.sub_region_code';
    const plan = translated({ ...social, query: query as never });
    expect(plan).toMatchObject({ entity: 'individual', page: { size: 100, number: 1 } });
    expect(plan.variables).toEqual({ filter: { birthDateFrom: '2024-01-01', areaCode: 'A205', sex: 'female' }, sort: [{ field: 'birthDate', direction: 'desc' }], first: 100, offset: 0 });
  });

  it('A.5 identifier lookup', () => {
    const plan = translated({ query_type: 'idtype-value', query: { type: 'UIN', value: '8479516320' } });
    expect(plan.variables.filter).toEqual({ identifier: { type: 'UIN', value: '8479516320' } });
  });

  it('A.6 household expression search', () => {
    const plan = translated({
      version: '1.0.0',
      reg_type: 'ns:org:RegistryType:Social',
      reg_record_type: 'Group',
      query_type: 'expression',
      response_entity: 'Group',
      query: { type: 'ns:org:QueryType:expression', value: { expression: { collection: 'Group', query: { $and: [{ poverty_score: { $lt: 30 } }, { group_size: { $ge: 4 } }] } } } },
      pagination: { page_size: 50, page_number: 1 },
    });
    expect(plan).toMatchObject({ entity: 'group', operation: SEARCH_GROUPS, page: { size: 50, number: 1 } });
    expect(plan.variables).toEqual({ filter: { maxPovertyScore: 30, not: { minPovertyScore: 30 }, minSize: 4 }, sort: [], first: 50, offset: 0 });
  });

  it('SPEC-NOTES 3.2 predicate (age and poverty score) needs a record type that has both', () => {
    const query = [{ seq_num: 1, expression1: predicate('age', 'lt', '25'), condition: 'and', expression2: predicate('poverty_score', 'lt', '2.5') }];
    expect(refused({ query: query as never }).message).toMatch(/poverty_score.*applies to groups/);
    expect(refused({ query: query as never, response_entity: 'Group' }).message).toMatch(/age.*applies to members/);
  });

  it('SPEC-NOTES 3.3 household template with location', () => {
    const plan = translated(template({ $and: [{ poverty_score: { $lt: 5 } }, { location: { $eq: 'central_region' } }, { group_size: { $lt: 5 } }] }, 'Group'));
    expect(plan.variables.filter).toEqual({ maxPovertyScore: 5, not: { minPovertyScore: 5 }, areaCode: 'central_region', maxSize: 4 });
  });
});
