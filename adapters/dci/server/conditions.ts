/**
 * Conditions as a small boolean tree, lowered to our IndividualFilter / GroupFilter inputs. Lowering
 * flattens nested and/or and merges sibling conditions into one filter object where their fields do
 * not clash, so partner queries fit the registry's nesting limit.
 */
import { filterInvalid } from './refusal';

/** An IndividualFilter or GroupFilter value, as GraphQL variables. */
export interface Filter {
  and?: Filter[];
  or?: Filter[];
  not?: Filter;
  [field: string]: unknown;
}

export type Condition = { op: 'leaf'; filter: Filter } | { op: 'and' | 'or'; items: Condition[] } | { op: 'not'; item: Condition };

/** The registry refuses filters nested deeper than this (src/registry/registrant.ts MAX_FILTER_DEPTH). */
export const MAX_FILTER_DEPTH = 4;
/** Caps the work one search item can ask of the database. */
export const MAX_CONDITIONS = 50;

export const leaf = (filter: Filter): Condition => ({ op: 'leaf', filter });
export const not = (item: Condition): Condition => ({ op: 'not', item });
export const all = (items: Condition[]): Condition => (items.length === 1 ? items[0]! : { op: 'and', items });
export const any = (items: Condition[]): Condition => (items.length === 1 ? items[0]! : { op: 'or', items });

export function toFilter(condition: Condition): Filter {
  if (countLeaves(condition) > MAX_CONDITIONS) filterInvalid(`the query holds more than ${MAX_CONDITIONS} conditions`);
  const filter = lower(condition);
  if (depthOf(filter) > MAX_FILTER_DEPTH) filterInvalid(`the query nests and/or/not more than ${MAX_FILTER_DEPTH} levels deep`);
  return filter;
}

function countLeaves(condition: Condition): number {
  if (condition.op === 'leaf') return 1;
  if (condition.op === 'not') return countLeaves(condition.item);
  return condition.items.reduce((sum, item) => sum + countLeaves(item), 0);
}

function lower(condition: Condition): Filter {
  switch (condition.op) {
    case 'leaf':
      return condition.filter;
    case 'not':
      return { not: lower(condition.item) };
    case 'or':
      return { or: flatten('or', condition.items).map(lower) };
    case 'and':
      return flatten('and', condition.items).map(lower).reduce(merge, {});
  }
}

function flatten(op: 'and' | 'or', items: Condition[]): Condition[] {
  return items.flatMap((item) => ('items' in item && item.op === op ? flatten(op, item.items) : [item]));
}

/** ANDs `part` into `acc`: as more fields of the same object when nothing clashes, else as an `and` entry. */
function merge(acc: Filter, part: Filter): Filter {
  const merged = { ...acc, ...part };
  const clashes = Object.keys(part).some((key) => key in acc) || RANGES.some(([low, high]) => inverted(merged[low], merged[high]));
  return clashes ? { ...acc, and: [...(acc.and ?? []), part] } : merged;
}

/** The registry rejects a range whose low end is above its high end as bad input; kept apart, the pair simply matches nothing. */
const RANGES = [
  ['birthDateFrom', 'birthDateTo'],
  ['minSize', 'maxSize'],
  ['minPovertyScore', 'maxPovertyScore'],
] as const;
/** Both ends given (dates as ISO strings, numbers), the low one above the high one. */
function inverted(low: unknown, high: unknown): boolean {
  if (typeof low === 'string' && typeof high === 'string') return low > high;
  if (typeof low === 'number' && typeof high === 'number') return low > high;
  return false;
}

function depthOf(filter: Filter): number {
  const children = [...(filter.and ?? []), ...(filter.or ?? []), ...(filter.not ? [filter.not] : [])];
  return children.length === 0 ? 0 : 1 + Math.max(...children.map(depthOf));
}
