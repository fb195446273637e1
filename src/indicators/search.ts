/**
 * Selecting people by a stored indicator value (IndividualFilter.indicator, and through it the DCI
 * searches of partners). Values are compared as last computed, stale ones included, as readers are
 * served them; people without a value never match.
 */
import type { Types } from 'mongoose';
import type { Scope } from '../auth/scopes';
import { badInput } from '../errors';
import type { RegistryModels } from '../store/models';
import type { IndicatorType } from './catalogue';
import { parseIndicator, ResolvedIndicator, resolveIndicators } from './refs';

export const INDICATOR_COMPARISONS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
export type IndicatorComparison = (typeof INDICATOR_COMPARISONS)[number];

export interface IndicatorFilter {
  /** `name`, or `name(argument)` for one argument of a parameterised indicator. */
  name: string;
  op: IndicatorComparison;
  /** As text: true/false, a number, a date YYYY-MM-DD, or the text itself. */
  value: string;
}

/** The one stored value a filter compares. */
export function filteredIndicator(field: string, filter: IndicatorFilter): ResolvedIndicator {
  const wanted = resolveIndicators([parseIndicator(filter.name, `${field}.name`)], `${field}.name`);
  if (wanted.length !== 1) throw badInput(`${field}.name`, `name one argument of ${filter.name}, e.g. ${wanted[0].label}`);
  return wanted[0];
}

/** What a caller needs to select people by this indicator: as much as to read it. */
export const indicatorFilterScopes = (field: string, filter: IndicatorFilter): readonly Scope[] => filteredIndicator(field, filter).definition.scopes;

const ORDERED: Record<IndicatorType, boolean> = { boolean: false, string: false, number: true, date: true };

function valueOf(field: string, type: IndicatorType, text: string): boolean | number | string | Date {
  const trimmed = text.trim();
  switch (type) {
    case 'boolean':
      if (trimmed !== 'true' && trimmed !== 'false') throw badInput(field, 'takes true or false');
      return trimmed === 'true';
    case 'number': {
      const n = /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : NaN;
      if (!Number.isFinite(n)) throw badInput(field, 'takes a number');
      return n;
    }
    case 'date': {
      const day = /^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? new Date(`${trimmed}T00:00:00.000Z`) : new Date(NaN);
      if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== trimmed) throw badInput(field, 'takes a date YYYY-MM-DD');
      return day;
    }
    case 'string':
      if (trimmed === '' || trimmed.length > 200) throw badInput(field, 'takes a non-empty text of at most 200 characters');
      return trimmed;
  }
}

/**
 * The most people one indicator condition may select: they are listed in the query (by `_id`), which
 * must stay well within a database command's 16 MB and quick for the engine to serve.
 */
export const MAX_INDICATOR_MATCHES = 50_000;

/** The individuals whose stored value satisfies the filter. */
export async function indicatorHolders(models: RegistryModels, field: string, filter: IndicatorFilter): Promise<Types.ObjectId[]> {
  const { definition, slot } = filteredIndicator(field, filter);
  if (!INDICATOR_COMPARISONS.includes(filter.op)) throw badInput(`${field}.op`, `is not one of ${INDICATOR_COMPARISONS.join(', ')}`);
  if (!ORDERED[definition.type] && !['eq', 'ne'].includes(filter.op)) throw badInput(`${field}.op`, `${definition.name} is a ${definition.type}: compare it with eq or ne`);
  const value = valueOf(`${field}.value`, definition.type, filter.value);
  // Unknown (null) values match no comparison, `ne` included.
  const condition = filter.op === 'eq' ? value : filter.op === 'ne' ? { $nin: [value, null] } : { [`$${filter.op === 'le' ? 'lte' : filter.op === 'ge' ? 'gte' : filter.op}`]: value };
  const docs = await models.IndicatorValues.find({ [`v.${slot}.value`]: condition }, { _id: 1 }).limit(MAX_INDICATOR_MATCHES + 1).lean();
  if (docs.length > MAX_INDICATOR_MATCHES) throw badInput(field, `matches more than ${MAX_INDICATOR_MATCHES} people: narrow the comparison (programmes count any number: evaluateEligibility)`);
  return docs.map((d) => d._id);
}
