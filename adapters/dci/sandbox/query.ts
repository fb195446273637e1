/**
 * The query dialects a registry answers (SPEC-NOTES 3), compiled into a record predicate over a
 * registry's vocabulary: `idtype-value`, the `predicate` list, and `expression` as a Mongo-style
 * object (`$and`, `$or`, `{attr: {$ge: v}}`; the IBR/DR flat dialect writes the operators without `$`).
 * The dialect is chosen by the JSON shape, `query_type` being only a hint (SPEC-NOTES 3). Anything
 * outside the vocabulary is a rejection with a reason code, never an error.
 */
import { isObject, Json } from './envelope';

/** An item-level rejection: `status: rjct` with this reason code. */
export class Rejection extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Attribute values of one record, by canonical attribute name. */
export type Attributes = (name: string) => string | undefined;
export type Matcher = (attributes: Attributes) => boolean;

export interface Vocabulary {
  /** Canonical attribute names, the ones holding calendar days marked `date`. */
  attributes: Record<string, 'text' | 'date'>;
  /** Other accepted spellings, mapped to canonical names. */
  aliases: Record<string, string>;
  /** Identifier types an `idtype-value` query may use, mapped to attributes. */
  identifierTypes: Record<string, string>;
}

type Operator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'in';
const OPERATORS: Record<string, Operator> = { eq: 'eq', ne: 'ne', gt: 'gt', ge: 'ge', gte: 'ge', lt: 'lt', le: 'le', lte: 'le', in: 'in' };

const invalid = (message: string) => new Rejection('rjct.search_criteria.invalid', message);

export function attributeOf(vocabulary: Vocabulary, name: unknown): string {
  if (typeof name !== 'string') throw invalid('attribute names must be strings');
  const canonical = vocabulary.aliases[name] ?? name;
  if (!(canonical in vocabulary.attributes)) throw invalid(`unsupported attribute ${name}; supported: ${Object.keys(vocabulary.attributes).join(', ')}`);
  return canonical;
}

/** Scalars as text; `in` takes a list or a comma-separated string (an array is not a schema-valid AttributeValue). */
function valuesOf(value: unknown, operator: Operator): string[] {
  const list = operator === 'in' ? (Array.isArray(value) ? value : String(value).split(',')) : [value];
  return list.map((v) => {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw invalid('attribute values must be strings, numbers or booleans');
    return String(v).trim();
  });
}

export function condition(vocabulary: Vocabulary, name: unknown, op: unknown, value: unknown): Matcher {
  const attribute = attributeOf(vocabulary, name);
  const operator = typeof op === 'string' ? OPERATORS[op.replace(/^\$/, '')] : undefined;
  if (!operator) throw invalid(`unsupported operator ${String(op)}`);
  const isDate = vocabulary.attributes[attribute] === 'date';
  // Calendar days compare as text; a DateTime operand is cut to its day.
  const normal = (v: string) => (isDate ? v.slice(0, 10) : v);
  const operands = valuesOf(value, operator).map(normal);
  return (attributes) => {
    const raw = attributes(attribute);
    if (raw === undefined) return operator === 'ne';
    const actual = normal(raw);
    const [operand] = operands;
    switch (operator) {
      case 'eq':
        return actual === operand;
      case 'ne':
        return actual !== operand;
      case 'gt':
        return actual > operand;
      case 'ge':
        return actual >= operand;
      case 'lt':
        return actual < operand;
      case 'le':
        return actual <= operand;
      case 'in':
        return operands.includes(actual);
    }
  };
}

const all = (matchers: Matcher[]): Matcher => (a) => matchers.every((m) => m(a));

function predicateList(vocabulary: Vocabulary, list: unknown[]): Matcher {
  const items = list.map((item) => {
    if (!isObject(item) || !isObject(item.expression1)) throw invalid('each predicate needs expression1');
    return item;
  });
  items.sort((a, b) => Number(a.seq_num ?? 0) - Number(b.seq_num ?? 0));
  const expression = (e: Json) => condition(vocabulary, e.attribute_name, e.operator, e.attribute_value);
  // Items are ANDed; "e1 not e2" reads as "e1 and not e2" (SPEC-NOTES 3.2).
  return all(
    items.map((item) => {
      const first = expression(item.expression1 as Json);
      if (item.condition === undefined || item.expression2 === undefined) return first;
      if (!isObject(item.expression2)) throw invalid('expression2 must be an object');
      const second = expression(item.expression2);
      if (item.condition === 'and') return (a) => first(a) && second(a);
      if (item.condition === 'or') return (a) => first(a) || second(a);
      if (item.condition === 'not') return (a) => first(a) && !second(a);
      throw invalid(`unsupported condition ${String(item.condition)}`);
    }),
  );
}

/** A Mongo-style document: `$and`/`$or` lists, `{attr: value}` for equality, `{attr: {op: value}}`. */
export function documentQuery(vocabulary: Vocabulary, doc: unknown): Matcher {
  if (!isObject(doc)) throw invalid('an expression query must be an object');
  return all(
    Object.entries(doc).map(([key, value]): Matcher => {
      if (key === '$and' || key === '$or') {
        if (!Array.isArray(value) || value.length === 0) throw invalid(`${key} needs a non-empty list`);
        const parts = value.map((part) => documentQuery(vocabulary, part));
        return key === '$and' ? all(parts) : (a) => parts.some((m) => m(a));
      }
      if (!isObject(value)) return condition(vocabulary, key, 'eq', value);
      return all(Object.entries(value).map(([op, operand]) => condition(vocabulary, key, op, operand)));
    }),
  );
}

/** Compiles `query` (or a subscription's `filter`), dispatching on its shape. */
export function compileQuery(vocabulary: Vocabulary, query: unknown): Matcher {
  if (Array.isArray(query)) return predicateList(vocabulary, query);
  if (!isObject(query)) throw invalid('query must be an object or a predicate list');
  if (isObject(query.value)) {
    const { expression } = query.value;
    if (typeof expression === 'string') throw invalid('only Mongo-style expression objects are supported, not query strings (GraphQL)');
    // The SR/DR examples wrap the document as {collection, query}.
    return documentQuery(vocabulary, isObject(expression) && isObject(expression.query) ? expression.query : expression);
  }
  if (typeof query.type !== 'string') throw invalid('an idtype-value query needs a type');
  const attribute = vocabulary.identifierTypes[query.type];
  if (!attribute) throw invalid(`unsupported identifier type ${query.type}; supported: ${Object.keys(vocabulary.identifierTypes).join(', ')}`);
  return condition(vocabulary, attribute, 'eq', query.value);
}

export interface Page<T> {
  items: T[];
  pagination: { page_size: number; page_number: number; total_count: number };
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export function paginate<T>(records: T[], pagination: unknown): Page<T> {
  const request = isObject(pagination) ? pagination : {};
  const size = request.page_size ?? DEFAULT_PAGE_SIZE;
  const number = request.page_number ?? 1;
  if (!Number.isInteger(size) || (size as number) < 1 || (size as number) > MAX_PAGE_SIZE || !Number.isInteger(number) || (number as number) < 1) {
    throw new Rejection('rjct.pagination.invalid', `page_size must be 1..${MAX_PAGE_SIZE} and page_number at least 1`);
  }
  const start = ((number as number) - 1) * (size as number);
  return {
    items: records.slice(start, start + (size as number)),
    pagination: { page_size: size as number, page_number: number as number, total_count: records.length },
  };
}

/** Applies `sort[]` in order; records without the attribute go last. */
export function sortRecords<T>(vocabulary: Vocabulary, records: T[], sort: unknown, attributesOf: (record: T) => Attributes): T[] {
  if (sort === undefined) return records;
  if (!Array.isArray(sort)) throw new Rejection('rjct.sort.invalid', 'sort must be a list');
  const keys = sort.map((entry) => {
    if (!isObject(entry) || (entry.sort_order !== undefined && entry.sort_order !== 'asc' && entry.sort_order !== 'desc')) {
      throw new Rejection('rjct.sort.invalid', 'each sort entry needs attribute_name and sort_order asc or desc');
    }
    try {
      return { attribute: attributeOf(vocabulary, entry.attribute_name), direction: entry.sort_order === 'desc' ? -1 : 1 };
    } catch (error) {
      throw new Rejection('rjct.sort.invalid', (error as Error).message);
    }
  });
  return [...records].sort((a, b) => {
    for (const { attribute, direction } of keys) {
      const x = attributesOf(a)(attribute);
      const y = attributesOf(b)(attribute);
      if (x === y) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      return x < y ? -direction : direction;
    }
    return 0;
  });
}

/**
 * The IBR/DR flat dialect (`{"person_identifier": {"eq": "<UIN>"}, "<other.path>": {"eq": …}}`, SPEC-NOTES
 * 3.3) split into the people asked about and a matcher for the other conditions. Several people may be
 * asked at once with `in` (a list or a comma-separated string); each gets its own answer item.
 */
export function identifierQuery(vocabulary: Vocabulary, query: unknown): { uins: string[]; rest: Matcher } {
  if (!isObject(query)) throw invalid('query must be an object');
  const identifierKeys = Object.keys(query).filter((key) => (vocabulary.aliases[key] ?? key) === 'UIN');
  if (identifierKeys.length !== 1) throw invalid(`the query must name the person once, e.g. {"${Object.keys(vocabulary.aliases)[0]}": {"eq": "<UIN>"}}`);
  const [key] = identifierKeys;
  const condition = query[key];
  let uins: string[];
  if (!isObject(condition)) uins = valuesOf(condition, 'eq');
  else {
    const entries = Object.entries(condition);
    const operator = entries.length === 1 ? OPERATORS[entries[0][0].replace(/^\$/, '')] : undefined;
    if (operator !== 'eq' && operator !== 'in') throw invalid(`${key} takes one eq or in condition`);
    uins = valuesOf(entries[0][1], operator);
  }
  const rest = Object.fromEntries(Object.entries(query).filter(([k]) => k !== key));
  return { uins: [...new Set(uins)], rest: documentQuery(vocabulary, rest) };
}
