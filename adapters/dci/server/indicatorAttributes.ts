/**
 * Eligibility indicators in DCI searches: those declared partner-visible, on the partner's
 * allowlist, may be searched on in `predicate` and `expression` queries and come back in each
 * Member record as `additional_attributes`, one `{name: value}` entry per indicator. An indicator
 * that partners may not see is refused by name, whatever the allowlist says.
 */
import { findIndicator, INDICATORS, IndicatorDefinition } from '../../../src/indicators/catalogue';
import { leaf } from './conditions';
import { Disclosure, maySearchOn } from './disclosure';
import { filterInvalid } from './refusal';
import type { Attribute } from './vocabulary';

const EQUALITY = ['eq', 'ne', 'in'] as const;
const ORDERED = ['eq', 'ne', 'in', 'lt', 'le', 'gt', 'ge'] as const;

/** The partner's value as the text IndicatorFilter takes, checked against the indicator's type. */
function valueText(definition: IndicatorDefinition, value: unknown, name: string): string {
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  const valid =
    text !== undefined &&
    (definition.type === 'boolean' ? text === 'true' || text === 'false' : definition.type === 'number' ? /^-?\d+(\.\d+)?$/.test(text) : definition.type === 'date' ? /^\d{4}-\d{2}-\d{2}$/.test(text) : text !== '');
  if (!valid) return filterInvalid(`${name} takes ${definition.type === 'boolean' ? 'true or false' : definition.type === 'date' ? 'a date YYYY-MM-DD' : `a ${definition.type}`}`);
  return text!;
}

/** The search attribute of an indicator name; undefined when `name` is no indicator. */
export function indicatorAttribute(name: string): Attribute | undefined {
  const definition = findIndicator(name);
  if (!definition) return undefined;
  if (!definition.partnerVisible || definition.args) return filterInvalid(`indicator "${name}" is not available to partners`);
  return {
    entity: 'individual',
    operators: definition.type === 'number' || definition.type === 'date' ? ORDERED : EQUALITY,
    build: (op, value, attributeName) => leaf({ indicator: { name: definition.name, op, value: valueText(definition, value, attributeName) } }),
  };
}

/** The indicators this partner's records carry: partner-visible ones on its allowlist that its disclosure profile lets it search on. */
export const partnerIndicators = (allowed: ReadonlySet<string>, disclosure: Disclosure): string[] =>
  INDICATORS.filter((d) => d.partnerVisible && !d.args && allowed.has(d.name) && maySearchOn(disclosure, d.name, false)).map((d) => d.name);

export interface IndicatorNode {
  name: string;
  booleanValue: boolean | null;
  numberValue: number | null;
  stringValue: string | null;
  dateValue: string | null;
}

/** One `{name: value}` entry per indicator, null when its value is unknown. */
export const additionalAttributes = (indicators: readonly IndicatorNode[] | undefined): Record<string, boolean | number | string | null>[] =>
  (indicators ?? []).map((i) => ({ [i.name]: i.booleanValue ?? i.numberValue ?? i.stringValue ?? i.dateValue }));
