/**
 * Translates one DCI `search_criteria` into the GraphQL operation and variables the adapter runs
 * (SPEC-NOTES 2.3, 3, 5.4). Pure: no I/O, `now` comes from the caller. Every refusal carries the
 * SearchStatusReasonCode the partner receives for that item.
 */
import type { SearchReasonCode } from '../protocol/codes';
import type { SearchCriteria } from '../protocol/envelope';
import { Condition, Filter, toFilter } from './conditions';
import { predicateListCondition, templateCondition } from './expressions';
import { Disclosure, maySearchOn } from './disclosure';
import { Entity, OPERATION_FOR } from './operations';
import { criteriaInvalid, isObject, refuse, SearchRefusal } from './refusal';
import { partnerIndicators } from './indicatorAttributes';
import { judgePurpose, NO_PURPOSE_POLICY, Purpose, PurposePolicy, purposeOf, PurposeUnreadable, withoutPersonalData } from './purpose';
import { identifierCondition, SearchContext } from './vocabulary';

export interface TranslateOptions {
  /** The partner's allowlist: vocabulary names (age, birth_date, sex…) and identifier types (UIN…). */
  allowedAttributes: ReadonlySet<string>;
  /** What the partner may see, hence search and sort on. */
  disclosure: Disclosure;
  /** The purposes the partner may give for personal data; none: recorded, not checked. */
  purposes?: PurposePolicy;
  maxPageSize: number;
  now: Date;
}

export type SortInput = { field: string; direction: 'asc' | 'desc' };
export type SearchVariables = { filter: Filter; sort: SortInput[]; first: number; offset: number; indicators?: string[] };

export type SearchTranslation =
  | {
      ok: true;
      entity: Entity;
      operation: string;
      variables: SearchVariables;
      page: { size: number; number: number };
      /** What this item may disclose: the partner's profile, or without personal data when its purpose was refused. */
      disclosure: Disclosure;
      purpose: Purpose;
      purposeRefused: boolean;
    }
  | { ok: false; reason: SearchReasonCode; message: string };

export const DEFAULT_PAGE_SIZE = 20;
/** The registry pages by offset no further than this (src/registry/pagination.ts MAX_OFFSET). */
export const MAX_OFFSET = 10_000;

export function translateSearch(criteria: SearchCriteria, opts: TranslateOptions): SearchTranslation {
  try {
    if (!isObject(criteria)) criteriaInvalid('search_criteria must be an object');
    checkRegistryType(criteria.reg_type);
    const { disclosure, purpose, purposeRefused } = purposeDisclosure(criteria, opts);
    const query = readQuery(criteria);
    const entity = entityOf(criteria, query.collection);
    const ctx: SearchContext = { entity, allowed: opts.allowedAttributes, disclosure, now: opts.now };
    const filter = toFilter(query.condition(ctx));
    const sort = sortOf(criteria.sort, ctx);
    const page = pageOf(criteria.pagination, opts.maxPageSize);
    const indicators = partnerIndicators(opts.allowedAttributes, disclosure);
    const variables = { filter, sort, first: page.size, offset: (page.number - 1) * page.size, ...(indicators.length > 0 && { indicators }) };
    return { ok: true, entity, operation: OPERATION_FOR[entity], variables, page, disclosure, purpose, purposeRefused };
  } catch (error) {
    if (error instanceof SearchRefusal) return { ok: false, reason: error.reason, message: error.message };
    throw error;
  }
}

/**
 * The purpose is judged before the query is read: without personal data the item may neither search
 * nor sort on what it would no longer see (names), and is refused for that like any other partner.
 */
function purposeDisclosure(criteria: SearchCriteria, opts: TranslateOptions): { disclosure: Disclosure; purpose: Purpose; purposeRefused: boolean } {
  let purpose: Purpose;
  try {
    purpose = purposeOf(criteria);
  } catch (error) {
    if (error instanceof PurposeUnreadable) criteriaInvalid(error.message);
    throw error;
  }
  const policy = opts.purposes ?? NO_PURPOSE_POLICY;
  const verdict = judgePurpose(policy, purpose);
  if (verdict.ok) return { disclosure: opts.disclosure, purpose, purposeRefused: false };
  if (policy.refusal === 'reject') criteriaInvalid(verdict.message);
  return { disclosure: withoutPersonalData(opts.disclosure), purpose, purposeRefused: true };
}

// ---- registry and record type -------------------------------------------------------------------

/** Spellings of the Social registry type seen in the spec and at OpenSPP (OPENSPP-NOTES 5.5). */
const SOCIAL_REGISTRY = new Set(['ns:org:registrytype:social', 'social', 'social_registry']);

function checkRegistryType(regType: unknown): void {
  if (regType === undefined) return;
  if (typeof regType !== 'string' || !SOCIAL_REGISTRY.has(regType.toLowerCase())) {
    criteriaInvalid(`reg_type ${JSON.stringify(regType)} is not served here; this is the Social registry (ns:org:RegistryType:Social)`);
  }
}

/** Record type names (any namespace prefix dropped, case-insensitive) and what they return. */
const RECORD_ENTITY: Record<string, Entity> = { group: 'group', member: 'individual', person: 'individual', srperson: 'individual' };

function hintedEntity(value: unknown, what: string): Entity | undefined {
  if (value === undefined) return undefined;
  const name = typeof value === 'string' ? value.slice(value.lastIndexOf(':') + 1).toLowerCase() : '';
  if (!Object.hasOwn(RECORD_ENTITY, name)) return criteriaInvalid(`${what} ${JSON.stringify(value)} is not one of Group, Member, Person`);
  return RECORD_ENTITY[name];
}

/** response_entity, reg_record_type and a template's collection must agree; none of them means members. */
function entityOf(criteria: SearchCriteria, collection: unknown): Entity {
  const hints = [
    hintedEntity(criteria.response_entity, 'response_entity'),
    hintedEntity(criteria.reg_record_type, 'reg_record_type'),
    hintedEntity(collection, 'collection'),
  ].filter((hint): hint is Entity => hint !== undefined);
  if (new Set(hints).size > 1) criteriaInvalid('response_entity, reg_record_type and collection ask for different record types');
  return hints[0] ?? 'individual';
}

// ---- query shape --------------------------------------------------------------------------------

interface ReadQuery {
  collection?: unknown;
  condition(ctx: SearchContext): Condition;
}

/** Template languages read as MongoDB-style documents (SPEC-NOTES 3.3). */
const TEMPLATE_LANGUAGES = new Set(['expression', 'nosql']);
const EXPRESSION_FIELDS = new Set(['collection', 'query']);

/**
 * Dispatches on the JSON shape of `query`, reading query_type only as a hint: SPDCI's own samples
 * send predicate arrays as `expression` (SPEC-NOTES 3). GraphQL from partners is never run.
 */
function readQuery(criteria: SearchCriteria): ReadQuery {
  const { query_type: queryType, query } = criteria;
  if (queryType === 'graphql') criteriaInvalid('graphql queries are not accepted; use idtype-value, predicate or expression');
  if (!['idtype-value', 'expression', 'predicate'].includes(queryType)) criteriaInvalid(`query_type ${JSON.stringify(queryType)} is not supported`);
  if (Array.isArray(query)) return { condition: (ctx) => predicateListCondition(query, ctx) };
  if (isObject(query) && isObject(query.value) && 'expression' in query.value) return readTemplate(query.type, query.value.expression);
  if (isObject(query) && 'type' in query && isScalar(query.value)) return { condition: (ctx) => identifierCondition(query.type, query.value, ctx) };
  return criteriaInvalid('query is neither an identifier {type, value}, a predicate list nor an expression template');
}

const isScalar = (value: unknown) => ['string', 'number'].includes(typeof value);

function readTemplate(language: unknown, expression: unknown): ReadQuery {
  const name = typeof language === 'string' ? language.slice(language.lastIndexOf(':') + 1).toLowerCase() : '';
  if (name === 'graphql') criteriaInvalid('graphql queries are not accepted; use idtype-value, predicate or expression');
  if (!TEMPLATE_LANGUAGES.has(name)) criteriaInvalid(`query language ${JSON.stringify(language)} is not supported; use ns:org:QueryType:expression`);
  if (!isObject(expression) || !isObject(expression.query)) criteriaInvalid('the expression must be an object {collection?, query}');
  const unknown = Object.keys(expression).find((key) => !EXPRESSION_FIELDS.has(key));
  if (unknown) criteriaInvalid(`the expression has an unsupported field "${unknown}"`);
  return { collection: expression.collection, condition: (ctx) => templateCondition(expression.query, ctx) };
}

// ---- sort ---------------------------------------------------------------------------------------

/**
 * DCI sort attributes and our sort fields. `allowlisted` ones sort on a searchable value, which a
 * partner could otherwise probe through the order; registration and update dates are in every record.
 */
const SORTS: Record<Entity, Record<string, { field: string; reverse?: boolean; allowlisted?: string }>> = {
  individual: {
    // Older means born earlier.
    age: { field: 'birthDate', reverse: true, allowlisted: 'age' },
    birth_date: { field: 'birthDate', allowlisted: 'birth_date' },
    DOB: { field: 'birthDate', allowlisted: 'birth_date' },
    given_name: { field: 'givenName', allowlisted: 'given_name' },
    surname: { field: 'familyName', allowlisted: 'surname' },
    family_name: { field: 'familyName', allowlisted: 'surname' },
    registration_date: { field: 'registrationDate' },
    last_updated: { field: 'lastUpdated' },
  },
  group: {
    group_size: { field: 'size', allowlisted: 'group_size' },
    poverty_score: { field: 'povertyScore', allowlisted: 'poverty_score' },
    registration_date: { field: 'registrationDate' },
    last_updated: { field: 'lastUpdated' },
  },
};

const sortInvalid = (message: string): never => refuse('rjct.sort.invalid', message);

function sortOf(sort: unknown, ctx: SearchContext): SortInput[] {
  if (sort === undefined) return [];
  if (!Array.isArray(sort)) return sortInvalid('sort must be a list of {attribute_name, sort_order}');
  const fields = new Set<string>();
  return sort.map((entry) => {
    const input = sortInput(entry, ctx);
    if (fields.has(input.field)) sortInvalid(`sort names the same order twice (${String(isObject(entry) && entry.attribute_name)})`);
    fields.add(input.field);
    return input;
  });
}

function sortInput(entry: unknown, ctx: SearchContext): SortInput {
  if (!isObject(entry) || typeof entry.attribute_name !== 'string') return sortInvalid('each sort entry needs an attribute_name');
  const name = entry.attribute_name;
  const order = entry.sort_order ?? 'asc';
  if (order !== 'asc' && order !== 'desc') return sortInvalid(`sort_order ${JSON.stringify(order)} is not asc or desc`);
  const table = SORTS[ctx.entity];
  const known = Object.hasOwn(table, name) ? table[name] : undefined;
  if (!known) return sortInvalid(`cannot sort ${ctx.entity === 'group' ? 'groups' : 'members'} by "${name}" (use ${Object.keys(table).join(', ')})`);
  // Sorting on a field reveals it as filtering on it would: the same allowlist and disclosure rules.
  if (known.allowlisted && !(ctx.allowed.has(known.allowlisted) && maySearchOn(ctx.disclosure, known.allowlisted, false))) {
    return sortInvalid(`sorting by "${name}" is not allowed for this partner`);
  }
  const ascending = (order === 'asc') !== (known.reverse ?? false);
  return { field: known.field, direction: ascending ? 'asc' : 'desc' };
}

// ---- pagination ---------------------------------------------------------------------------------

const paginationInvalid = (message: string): never => refuse('rjct.pagination.invalid', message);

export function pageOf(pagination: unknown, maxPageSize: number): { size: number; number: number } {
  if (pagination === undefined) return { size: Math.min(DEFAULT_PAGE_SIZE, maxPageSize), number: 1 };
  if (!isObject(pagination)) return paginationInvalid('pagination must be an object {page_size, page_number}');
  const size = pagination.page_size;
  const number = pagination.page_number ?? 1;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > maxPageSize) {
    return paginationInvalid(`page_size must be a whole number from 1 to ${maxPageSize}`);
  }
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1) return paginationInvalid('page_number must be a whole number from 1');
  if ((number - 1) * size > MAX_OFFSET) {
    return paginationInvalid(`page ${number} of ${size} starts after record ${MAX_OFFSET}; narrow the query instead of paging this deep`);
  }
  return { size, number };
}
