/**
 * The two condition languages partners send (SPEC-NOTES 3.2, 3.3): the predicate list and the
 * MongoDB-style expression template. Both are read against an allowlist of operators; anything else
 * is refused rather than passed on (OpenSPP's pass-through of raw field paths is the injection risk
 * SPEC-NOTES warns about).
 */
import { all, any, Condition, not } from './conditions';
import { filterInvalid, isObject } from './refusal';
import { compare, Operator, SearchContext } from './vocabulary';

// ---- predicate list -----------------------------------------------------------------------------

const PREDICATE_OPERATORS: readonly Operator[] = ['gt', 'lt', 'eq', 'ge', 'le', 'in'];
const ITEM_FIELDS = new Set(['seq_num', 'expression1', 'condition', 'expression2']);

/** Items in seq_num order (unnumbered ones last), ANDed together. */
export function predicateListCondition(items: unknown[], ctx: SearchContext): Condition {
  if (items.length === 0) filterInvalid('the predicate list is empty');
  const checked = items.map(checkItem);
  const ordered = checked.map((item, index) => ({ item, index })).sort((a, b) => seqOf(a.item) - seqOf(b.item) || a.index - b.index);
  return all(ordered.map(({ item }) => itemCondition(item, ctx)));
}

const seqOf = (item: Record<string, unknown>) => (typeof item.seq_num === 'number' ? item.seq_num : Number.POSITIVE_INFINITY);

function checkItem(item: unknown, index: number): Record<string, unknown> {
  if (!isObject(item)) return filterInvalid(`predicate ${index + 1} is not an object`);
  // Silently dropping an unknown part (some samples add `expression3`) would widen the result.
  const unknown = Object.keys(item).find((key) => !ITEM_FIELDS.has(key));
  if (unknown) filterInvalid(`predicate ${index + 1} has an unsupported field "${unknown}"`);
  if (item.seq_num !== undefined && typeof item.seq_num !== 'number') filterInvalid(`predicate ${index + 1} seq_num must be a number`);
  return item;
}

/** "expression1 [condition expression2]"; `not` reads as expression1 AND NOT expression2. */
function itemCondition(item: Record<string, unknown>, ctx: SearchContext): Condition {
  const first = predicateCondition(item.expression1, ctx);
  if (item.condition === undefined && item.expression2 === undefined) return first;
  if (item.condition === undefined || item.expression2 === undefined) {
    return filterInvalid('a predicate with a condition needs both condition and expression2');
  }
  const second = predicateCondition(item.expression2, ctx);
  switch (item.condition) {
    case 'and':
      return all([first, second]);
    case 'or':
      return any([first, second]);
    case 'not':
      return all([first, not(second)]);
    default:
      return filterInvalid(`condition ${JSON.stringify(item.condition)} is not one of and, or, not`);
  }
}

function predicateCondition(expression: unknown, ctx: SearchContext): Condition {
  if (!isObject(expression) || typeof expression.attribute_name !== 'string' || expression.attribute_value === undefined) {
    return filterInvalid('each expression needs attribute_name, operator and attribute_value');
  }
  const op = expression.operator as Operator;
  if (!PREDICATE_OPERATORS.includes(op)) return filterInvalid(`operator ${JSON.stringify(expression.operator)} is not one of ${PREDICATE_OPERATORS.join(', ')}`);
  const value = op === 'in' ? commaList(expression.attribute_name, expression.attribute_value) : expression.attribute_value;
  return compare(expression.attribute_name, op, value, ctx);
}

/** AttributeValue has no array form, so `in` takes a comma-separated string (SPEC-NOTES 3.5). */
function commaList(name: string, value: unknown): string[] {
  if (typeof value !== 'string') return filterInvalid(`"${name}" in takes a comma-separated string`);
  return value.split(',').map((part) => part.trim());
}

// ---- expression template (MongoDB style) --------------------------------------------------------

/** `$le`/`$ge` are not MongoDB but appear in the spec's own examples (SPEC-NOTES A.6). */
const FIELD_OPERATORS: Record<string, Operator> = {
  $eq: 'eq',
  $ne: 'ne',
  $lt: 'lt',
  $lte: 'le',
  $le: 'le',
  $gt: 'gt',
  $gte: 'ge',
  $ge: 'ge',
  $in: 'in',
};

/** Bounds recursion on hostile input before the (stricter) registry depth check applies. */
const MAX_TEMPLATE_DEPTH = 12;

/** A query document: every key is ANDed, `$and`/`$or`/`$nor`/`$not` combine sub-documents. */
export function templateCondition(query: unknown, ctx: SearchContext, depth = 0): Condition {
  if (depth > MAX_TEMPLATE_DEPTH) return filterInvalid('the expression is nested too deeply');
  if (!isObject(query) || Object.keys(query).length === 0) return filterInvalid('each query document must be a non-empty object');
  return all(Object.entries(query).map(([key, value]) => (key.startsWith('$') ? logical(key, value, ctx, depth) : field(key, value, ctx, depth))));
}

function logical(key: string, value: unknown, ctx: SearchContext, depth: number): Condition {
  if (key === '$not') return not(templateCondition(value, ctx, depth + 1));
  if (key !== '$and' && key !== '$or' && key !== '$nor') return filterInvalid(`operator ${key} is not supported`);
  if (!Array.isArray(value) || value.length === 0) return filterInvalid(`${key} takes a non-empty list of query documents`);
  const parts = value.map((part) => templateCondition(part, ctx, depth + 1));
  return key === '$and' ? all(parts) : key === '$or' ? any(parts) : not(any(parts));
}

/** `attr: value` (equality) or `attr: {$op: value, …}` (each operator ANDed). */
function field(name: string, value: unknown, ctx: SearchContext, depth: number): Condition {
  if (!isObject(value)) {
    if (Array.isArray(value)) return filterInvalid(`"${name}" compares with a list; use $in`);
    return compare(name, 'eq', value, ctx);
  }
  const entries = Object.entries(value);
  if (entries.length === 0 || entries.some(([op]) => !op.startsWith('$'))) {
    return filterInvalid(`"${name}" takes a value or an object of operators such as $eq, $lt`);
  }
  return all(entries.map(([op, operand]) => fieldOperator(name, op, operand, ctx, depth)));
}

function fieldOperator(name: string, op: string, operand: unknown, ctx: SearchContext, depth: number): Condition {
  if (op === '$not') {
    if (!isObject(operand)) return filterInvalid(`"${name}" $not takes an object of operators`);
    if (depth > MAX_TEMPLATE_DEPTH) return filterInvalid('the expression is nested too deeply');
    return not(field(name, operand, ctx, depth + 1));
  }
  const operator = Object.hasOwn(FIELD_OPERATORS, op) ? FIELD_OPERATORS[op] : undefined;
  if (!operator) return filterInvalid(`operator ${op} is not supported (use $eq, $ne, $lt, $lte, $gt, $gte, $in, $not)`);
  return compare(name, operator, operand, ctx);
}
