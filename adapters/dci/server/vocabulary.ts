/**
 * The DCI query vocabulary (README "Query vocabulary"): each attribute name a partner may search on,
 * the operators it takes, how its value is read, and the registry filter it becomes. Attribute names
 * are mapped here once; everything else in the adapter speaks in conditions.
 */
import type { Entity } from './operations';
import { any, Condition, leaf, not } from './conditions';
import { Disclosure, maySearchOn } from './disclosure';
import { indicatorAttribute } from './indicatorAttributes';
import { filterInvalid } from './refusal';

export type Operator = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'in';
type Comparison = 'eq' | 'lt' | 'le' | 'gt' | 'ge';

export interface SearchContext {
  entity: Entity;
  /** The partner's allowlist: vocabulary names (`birth_date`, not `DOB`) and identifier types. */
  allowed: ReadonlySet<string>;
  /** What the partner may see: a field it may not see is not searched on either. */
  disclosure: Disclosure;
  now: Date;
}

export interface Attribute {
  /** Absent: the attribute applies to members and groups alike. */
  entity?: Entity;
  /** An identifier type (UIN, HOUSEHOLD_ID…), disclosed by type. */
  identifier?: true;
  operators: readonly Operator[];
  build(op: Comparison, value: unknown, name: string, now: Date): Condition;
}

const EQUALITY: readonly Operator[] = ['eq', 'ne', 'in'];
const ORDERED: readonly Operator[] = ['eq', 'ne', 'in', 'lt', 'le', 'gt', 'ge'];
/** An `in` list becomes one OR branch per value: keep it short. */
export const MAX_IN_VALUES = 20;

const SEXES = ['male', 'female', 'other', 'unknown'];
const STATUSES = ['active', 'deceased', 'inactive'];
const GROUP_KINDS = ['household', 'family', 'other'];

// ---- values -------------------------------------------------------------------------------------

function integerValue(name: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' && /^-?\d{1,9}$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    return filterInvalid(`${name} takes a whole number from ${min} to ${max}`);
  }
  return n;
}

function decimalValue(name: string, value: unknown): number {
  const n = typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) return filterInvalid(`${name} takes a number`);
  return n;
}

function textValue(name: string, value: unknown, max: number): string {
  const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || text.trim() === '' || text.trim().length > max) {
    return filterInvalid(`${name} takes a non-empty text of at most ${max} characters`);
  }
  return text.trim();
}

function choiceValue(name: string, value: unknown, choices: readonly string[]): string {
  const choice = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (choice === undefined || !choices.includes(choice)) return filterInvalid(`${name} takes one of ${choices.join(', ')}`);
  return choice;
}

// ---- calendar arithmetic (UTC calendar days, the registry's Date scalar) ------------------------

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 for a valid YYYY-MM-DD, else undefined. */
function epochDay(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const time = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== text ? undefined : time / DAY_MS;
}

const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * The same calendar day `years` years before `now`; 29 February falls back to the 28th, which is
 * what makes ages agree with the registry's own `age` (a 29 February birthday is reached on 1 March).
 */
function yearsBefore(now: Date, years: number): number {
  const year = now.getUTCFullYear() - years;
  const month = now.getUTCMonth();
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(now.getUTCDate(), lastDay)) / DAY_MS;
}

/** Inclusive bounds for `op value` on a whole-number scale whose step n covers [start(n), end(n)]. */
function bounds<T>(op: Comparison, n: number, start: (n: number) => T, end: (n: number) => T): { lo?: T; hi?: T } {
  switch (op) {
    case 'eq':
      return { lo: start(n), hi: end(n) };
    case 'ge':
      return { lo: start(n) };
    case 'gt':
      return { lo: start(n + 1) };
    case 'le':
      return { hi: end(n) };
    case 'lt':
      return { hi: end(n - 1) };
  }
}

const birthRange = ({ lo, hi }: { lo?: string; hi?: string }): Condition =>
  leaf({ ...(lo !== undefined && { birthDateFrom: lo }), ...(hi !== undefined && { birthDateTo: hi }) });

const same = <T>(n: T) => n;

/** Age in whole years on `now`: older means born earlier, so the age bounds swap into birth-date bounds. */
function ageCondition(op: Comparison, value: unknown, name: string, now: Date): Condition {
  const { lo, hi } = bounds(op, integerValue(name, value, 0, 150), same, same);
  return birthRange({
    // age <= hi  <=>  born after the day hi+1 years ago
    lo: hi === undefined ? undefined : isoDay(yearsBefore(now, hi + 1) + 1),
    // age >= lo  <=>  born on or before the day lo years ago
    hi: lo === undefined ? undefined : isoDay(yearsBefore(now, lo)),
  });
}

function dateCondition(op: Comparison, value: unknown, name: string): Condition {
  const day = typeof value === 'string' ? epochDay(value.trim()) : undefined;
  if (day === undefined) return filterInvalid(`${name} takes a date YYYY-MM-DD`);
  return birthRange(bounds(op, day, isoDay, isoDay));
}

function yearCondition(op: Comparison, value: unknown, name: string): Condition {
  const year = integerValue(name, value, 1800, 9999);
  return birthRange(bounds(op, year, (y) => `${y}-01-01`, (y) => `${y}-12-31`));
}

function sizeCondition(op: Comparison, value: unknown, name: string): Condition {
  const { lo, hi } = bounds(op, integerValue(name, value, 0, 100_000), same, same);
  return leaf({ ...(lo !== undefined && { minSize: lo }), ...(hi !== undefined && { maxSize: hi }) });
}

/**
 * The registry only has inclusive score bounds, so a strict bound is "inclusive bound AND NOT the
 * opposite inclusive bound at the same score"; the inclusive half also keeps unscored groups out.
 */
function scoreCondition(op: Comparison, value: unknown, name: string): Condition {
  const score = decimalValue(name, value);
  switch (op) {
    case 'eq':
      return leaf({ minPovertyScore: score, maxPovertyScore: score });
    case 'ge':
      return leaf({ minPovertyScore: score });
    case 'le':
      return leaf({ maxPovertyScore: score });
    case 'gt':
      return leaf({ minPovertyScore: score, not: { maxPovertyScore: score } });
    case 'lt':
      return leaf({ maxPovertyScore: score, not: { minPovertyScore: score } });
  }
}

// ---- the vocabulary ----------------------------------------------------------------------------

const choice = (field: string, choices: readonly string[], entity?: Entity): Attribute => ({
  entity,
  operators: EQUALITY,
  build: (_op, value, name) => leaf({ [field]: choiceValue(name, value, choices) }),
});

const text = (field: string, max: number, entity?: Entity): Attribute => ({
  entity,
  operators: EQUALITY,
  build: (_op, value, name) => leaf({ [field]: textValue(name, value, max) }),
});

const ordered = (entity: Entity, build: Attribute['build']): Attribute => ({ entity, operators: ORDERED, build });

const VOCABULARY: Record<string, Attribute> = {
  age: ordered('individual', ageCondition),
  birth_date: ordered('individual', dateCondition),
  YOB: ordered('individual', yearCondition),
  sex: choice('sex', SEXES, 'individual'),
  given_name: text('givenName', 100, 'individual'),
  surname: text('familyName', 100, 'individual'),
  location: text('areaCode', 40),
  status: choice('status', STATUSES, 'individual'),
  group_type: choice('kind', GROUP_KINDS, 'group'),
  group_size: ordered('group', sizeCondition),
  poverty_score: ordered('group', scoreCondition),
};

/** Other spellings of vocabulary names, from the spec's records and examples. */
const ALIASES: Record<string, string> = {
  DOB: 'birth_date',
  family_name: 'surname',
  'name.given_name': 'given_name',
  'name.surname': 'surname',
  'name.family_name': 'surname',
  area_code: 'location',
  'area-code': 'location',
  // Our area code is the DCI address sub-region (records map it there); region_code is another field.
  'address.sub_region_code': 'location',
};

/** Record paths to a Person's fields (SR examples: `demographic_info.person.sex`). */
const PERSON_PATHS = ['demographic_info.person.', 'demographic_info.'];

const IDENTIFIER_ALIASES: Record<string, string> = { NationalID: 'NATIONAL_ID', NID: 'NATIONAL_ID' };
/** Identifiers only groups hold. */
const GROUP_IDENTIFIERS = new Set(['HOUSEHOLD_ID']);

/** A table lookup that ignores inherited keys (`constructor`, `toString`…) partners could send. */
const own = <T>(table: Record<string, T>, key: string): T | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);

function vocabularyName(name: string): string {
  const prefix = PERSON_PATHS.find((p) => name.startsWith(p));
  const short = prefix ? name.slice(prefix.length) : name;
  return own(ALIASES, short) ?? short;
}

/**
 * An identifier type code (UIN, BRN, NATIONAL_ID…), or undefined when `name` is not one. Vocabulary
 * names (YOB, DOB) share the allowlist with identifier types, so they never double as identifiers.
 */
function identifierType(name: string): string | undefined {
  const type = own(IDENTIFIER_ALIASES, name) ?? name;
  const vocabulary = own(VOCABULARY, type) ?? own(ALIASES, type);
  return vocabulary === undefined && /^[A-Z][A-Z0-9_]{0,39}$/.test(type) ? type : undefined;
}

const identifierAttribute = (type: string): Attribute => ({
  entity: GROUP_IDENTIFIERS.has(type) ? 'group' : undefined,
  identifier: true,
  operators: ['eq'],
  build: (_op, value, name) => leaf({ identifier: { type, value: textValue(name, value, 64) } }),
});

function resolve(name: string): { key: string; attribute: Attribute } {
  const key = vocabularyName(name);
  const known = own(VOCABULARY, key) ?? indicatorAttribute(key);
  const type = known ? undefined : identifierType(key);
  const attribute = known ?? (type ? identifierAttribute(type) : undefined);
  if (!attribute) return filterInvalid(`attribute "${name}" is not searchable`);
  return { key: type ?? key, attribute };
}

function checkAllowed(name: string, key: string, attribute: Attribute, ctx: SearchContext): void {
  if (!ctx.allowed.has(key)) filterInvalid(`attribute "${name}" is not allowed for this partner`);
  if (!maySearchOn(ctx.disclosure, key, attribute.identifier === true)) filterInvalid(`attribute "${name}" is not disclosed to this partner, so it cannot be searched on`);
  if (attribute.entity === 'group' && ctx.entity === 'individual') {
    filterInvalid(`attribute "${name}" applies to groups; search with response_entity Group`);
  }
  if (attribute.entity === 'individual' && ctx.entity === 'group') {
    filterInvalid(`attribute "${name}" applies to members; a Group search cannot filter on it`);
  }
}

/** `name op value`; for `in`, `value` is the list of values (already split by the caller). */
export function compare(name: string, op: Operator, value: unknown, ctx: SearchContext): Condition {
  const { key, attribute } = resolve(name);
  return apply(name, key, attribute, op, value, ctx);
}

/** An idtype-value query: the type is always read as an identifier type, never as another attribute. */
export function identifierCondition(type: unknown, value: unknown, ctx: SearchContext): Condition {
  const code = typeof type === 'string' ? identifierType(type) : undefined;
  if (!code) return filterInvalid(`${JSON.stringify(type)} is not an identifier type (an upper-case code such as UIN or BRN)`);
  return apply(type as string, code, identifierAttribute(code), 'eq', value, ctx);
}

function apply(name: string, key: string, attribute: Attribute, op: Operator, value: unknown, ctx: SearchContext): Condition {
  checkAllowed(name, key, attribute, ctx);
  if (!attribute.operators.includes(op)) {
    return filterInvalid(`operator ${op} does not apply to "${name}" (use ${attribute.operators.join(', ')})`);
  }
  const equals = (v: unknown) => attribute.build('eq', v, name, ctx.now);
  switch (op) {
    case 'ne':
      return not(equals(value));
    case 'in':
      return any(inValues(name, value).map(equals));
    default:
      return attribute.build(op, value, name, ctx.now);
  }
}

function inValues(name: string, value: unknown): unknown[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_IN_VALUES) {
    return filterInvalid(`"${name}" in takes 1 to ${MAX_IN_VALUES} values`);
  }
  return value;
}
