/**
 * Naming indicators: `age_years`, `dr.severity(vision)` for one argument of a parameterised
 * indicator, `dr.severity` for all of its arguments. Every way in (GraphQL, CLI, programmes) checks
 * names here, so an unknown name or argument gets the same message everywhere.
 */
import { badInput } from '../errors';
import { findIndicator, IndicatorDefinition, indicatorSlot, INDICATORS } from './catalogue';

export interface IndicatorRef {
  name: string;
  argument?: string;
}

/** One stored value's indicator: the definition, its argument if parameterised, and its slot. */
export interface ResolvedIndicator {
  definition: IndicatorDefinition;
  argument?: string;
  slot: string;
  /** `name` or `name(argument)`. */
  label: string;
}

const NAME = /^([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?)(?:\(([a-z][a-z0-9_]*)\))?$/;

export const labelOf = (name: string, argument?: string) => (argument ? `${name}(${argument})` : name);

/** `dr.severity(vision)` → {name: 'dr.severity', argument: 'vision'}. */
export function parseIndicator(text: string, field = 'names'): IndicatorRef {
  const match = NAME.exec(text.trim());
  if (!match) throw badInput(field, `"${text}" is not an indicator name (e.g. age_years, dr.severity(vision))`);
  return { name: match[1], ...(match[2] && { argument: match[2] }) };
}

/** Every stored value the references name, each once; a parameterised indicator without argument stands for all of its arguments. */
export function resolveIndicators(refs: readonly IndicatorRef[], field = 'names'): ResolvedIndicator[] {
  const resolved = new Map<string, ResolvedIndicator>();
  for (const { name, argument } of refs) {
    const definition = findIndicator(name);
    if (!definition) throw badInput(field, `unknown indicator "${name}"; known: ${INDICATORS.map((d) => d.name).join(', ')}`);
    if (argument !== undefined && !definition.args) throw badInput(field, `indicator "${name}" takes no argument`);
    if (argument !== undefined && !definition.args!.includes(argument)) throw badInput(field, `indicator "${name}" takes one of ${definition.args!.join(', ')}, not "${argument}"`);
    const args = argument !== undefined ? [argument] : (definition.args ?? [undefined]);
    for (const arg of args) {
      const slot = indicatorSlot(name, arg);
      if (!resolved.has(slot)) resolved.set(slot, { definition, ...(arg !== undefined && { argument: arg }), slot, label: labelOf(name, arg) });
    }
  }
  return [...resolved.values()];
}

/** Every value of every indicator of the catalogue. */
export const allIndicators = () => resolveIndicators(INDICATORS.map((d) => ({ name: d.name })));
