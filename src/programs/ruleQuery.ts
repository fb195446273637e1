/**
 * A rule compiled into two database filters over indicator_values, so a population is counted where
 * its values are instead of being loaded into the gateway: one matching the people the rule holds
 * for, one matching those it does not. Whoever matches neither is unknown (a value the result needs
 * is missing or failed), as CEL's evaluation would say: `a || b` holds when either holds and fails
 * when both fail, `a && b` the other way round, and a comparison with a missing value is neither.
 *
 * Compiled: comparisons of an indicator with a literal, `in` a list of literals, bare boolean
 * indicators, `!`, `&&`, `||`. Anything else (arithmetic, functions, two indicators compared, dates)
 * returns undefined and the rule is evaluated in the gateway.
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import type { FilterQuery } from 'mongoose';
import type { IndicatorValuesDoc } from '../store/models/indicators';
import type { IndicatorReference } from './rule';

type Filter = FilterQuery<IndicatorValuesDoc>;

export interface RuleFilters {
  /** People the rule holds for. */
  eligible: Filter;
  /** People the rule does not hold for. */
  notEligible: Filter;
}

type Literal = boolean | number | string;
type Comparison = '==' | '!=' | '<' | '<=' | '>' | '>=';

const NEGATED: Record<Comparison, Comparison> = { '==': '!=', '!=': '==', '<': '>=', '>=': '<', '>': '<=', '<=': '>' };
const MIRRORED: Record<Comparison, Comparison> = { '==': '==', '!=': '!=', '<': '>', '>': '<', '<=': '>=', '>=': '<=' };
const OPERATORS: Record<Exclude<Comparison, '==' | '!='>, string> = { '<': '$lt', '<=': '$lte', '>': '$gt', '>=': '$gte' };

const valuePath = (ref: IndicatorReference) => `v.${ref.slot}.value`;

/** Both filters: one flat filter when they share no key (the embedded engines match it faster than an $and). */
export function allOf(a: Filter, b: Filter): Filter {
  if (Object.keys(a).length === 0) return b;
  if (Object.keys(b).length === 0) return a;
  return Object.keys(a).some((key) => key in b) ? { $and: [a, b] } : { ...a, ...b };
}

function literalOf(node: ASTNode): Literal | undefined {
  if (node.op === '-_') {
    const inner = literalOf(node.args as ASTNode);
    return typeof inner === 'number' ? -inner : undefined;
  }
  if (node.op !== 'value') return undefined;
  const value = node.args;
  if (typeof value === 'bigint') return Number(value);
  return typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' ? value : undefined;
}

/** `value op literal` for a present value; ordering comparisons never match null or another type (MongoDB's type brackets). */
function comparison(path: string, op: Comparison, literal: Literal): Filter {
  if (op === '==') return { [path]: literal };
  // $ne alone would match a missing or null value, which is unknown rather than "different".
  if (op === '!=') return { $and: [{ [path]: { $ne: literal } }, { [path]: { $ne: null } }] };
  return { [path]: { [OPERATORS[op]]: literal } };
}

export function compileRule(ast: ASTNode, references: readonly IndicatorReference[]): RuleFilters | undefined {
  const bySlot = new Map<string, IndicatorReference>();
  for (const ref of references) bySlot.set(ref.slot, ref);
  const refOf = (node: ASTNode): IndicatorReference | undefined => {
    const name =
      node.op === 'id'
        ? (node.args as string)
        : node.op === '.' && (node.args as [ASTNode, string])[0].op === 'id'
          ? `${(node.args as [ASTNode, string])[0].args as string}.${(node.args as [ASTNode, string])[1]}`
          : undefined;
    if (name !== undefined) return references.find((r) => r.name === name && r.argument === undefined);
    if (node.op === 'rcall') {
      const [method, target, args] = node.args as [string, ASTNode, ASTNode[]];
      const argument = args.length === 1 ? literalOf(args[0]!) : undefined;
      if (target.op !== 'id' || typeof argument !== 'string') return undefined;
      return references.find((r) => r.name === `${target.args as string}.${method}` && r.argument === argument);
    }
    return undefined;
  };

  const compile = (node: ASTNode): RuleFilters | undefined => {
    switch (node.op) {
      case '&&':
      case '||': {
        const [a, b] = (node.args as [ASTNode, ASTNode]).map(compile);
        if (!a || !b) return undefined;
        return node.op === '&&'
          ? { eligible: allOf(a.eligible, b.eligible), notEligible: { $or: [a.notEligible, b.notEligible] } }
          : { eligible: { $or: [a.eligible, b.eligible] }, notEligible: allOf(a.notEligible, b.notEligible) };
      }
      case '!_': {
        const inner = compile(node.args as ASTNode);
        return inner && { eligible: inner.notEligible, notEligible: inner.eligible };
      }
      case '==':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const [left, right] = node.args as [ASTNode, ASTNode];
        const leftRef = refOf(left);
        const rightRef = refOf(right);
        const [ref, literal, op] = leftRef
          ? [leftRef, literalOf(right), node.op]
          : [rightRef, literalOf(left), MIRRORED[node.op]];
        if (!ref || literal === undefined || ref.definition.type === 'date') return undefined;
        return { eligible: comparison(valuePath(ref), op, literal), notEligible: comparison(valuePath(ref), NEGATED[op], literal) };
      }
      case 'in': {
        const [left, right] = node.args as [ASTNode, ASTNode];
        const ref = refOf(left);
        if (!ref || right.op !== 'list' || ref.definition.type === 'date') return undefined;
        const literals = (right.args as ASTNode[]).map(literalOf);
        if (literals.some((l) => l === undefined)) return undefined;
        const path = valuePath(ref);
        return { eligible: { [path]: { $in: literals } }, notEligible: { $and: [{ [path]: { $nin: literals } }, { [path]: { $ne: null } }] } };
      }
      default: {
        const ref = refOf(node);
        if (!ref || ref.definition.type !== 'boolean') return undefined;
        return { eligible: { [valuePath(ref)]: true }, notEligible: { [valuePath(ref)]: false } };
      }
    }
  };
  return compile(ast);
}
