/**
 * Eligibility rules in CEL over the indicator catalogue. Each indicator is a typed name in one CEL
 * environment: `age_years` a variable, `crvs.is_alive` a field of the `crvs` namespace, and a
 * parameterised one such as `dr.severity('vision')` a method of its namespace whose argument must be
 * one of its fixed set. A rule is checked once when saved (syntax, indicators, arguments, types) and
 * every error names its place in the rule.
 */
import { Environment, EvaluationError, ParseError, type ASTNode } from '@marcbachmann/cel-js';
import { GatewayError } from '../errors';
import { findIndicator, INDICATORS, indicatorSlot, type IndicatorDefinition, type IndicatorType } from '../indicators/catalogue';
import type { StoredValue } from '../store/models/indicators';
import { childNodes, MACROS } from './ruleAst';
import { costRefusal, type CostRefusal } from './ruleCost';

export const MAX_RULE_LENGTH = 2000;

const CEL_TYPES: Record<IndicatorType, string> = { boolean: 'bool', number: 'double', string: 'string', date: 'google.protobuf.Timestamp' };

/** One indicator value a rule reads: `dr.severity('vision')` is the indicator `dr.severity` with argument `vision`. */
export interface IndicatorReference {
  name: string;
  argument?: string;
  /** Where its value is stored: `v.<slot>` of the person's indicator_values document. */
  slot: string;
  definition: IndicatorDefinition;
}

/** The values a rule is evaluated on, by slot; a slot without a value makes every test of it unknown. */
export type RuleValues = ReadonlyMap<string, Exclude<StoredValue, null>>;

export interface CheckedRule {
  text: string;
  ast: ASTNode;
  /** Each indicator value the rule reads, once, in order of first use. */
  references: IndicatorReference[];
  /** True or false, or undefined when a value it needed is missing (CEL's && and || skip the ones they do not need). */
  evaluate(values: RuleValues): boolean | undefined;
}

/** The values of one namespace (`crvs`, `dr`, `ibr`) as CEL sees them: fields, and methods for parameterised indicators. */
class IndicatorNamespace {
  constructor(readonly values: RuleValues) {}
}

const namespaceOf = (name: string) => (name.includes('.') ? name.slice(0, name.indexOf('.')) : undefined);
const memberOf = (name: string) => name.slice(name.indexOf('.') + 1);
const NAMESPACES = [...new Set(INDICATORS.map((d) => namespaceOf(d.name)).filter((n): n is string => Boolean(n)))];
const typeNameOf = (namespace: string) => `${namespace[0]!.toUpperCase()}${namespace.slice(1)}Indicators`;

/** A missing value is an evaluation error, which CEL's logical operators absorb where the other side decides. */
function present(values: RuleValues, slot: string, shown: string): Exclude<StoredValue, null> {
  const value = values.get(slot);
  if (value === undefined) throw new EvaluationError(`no value of ${shown}`);
  return value;
}

function buildEnvironment(): { env: Environment; classes: Map<string, typeof IndicatorNamespace> } {
  const env = new Environment();
  const classes = new Map<string, typeof IndicatorNamespace>();
  for (const namespace of NAMESPACES) {
    const members = INDICATORS.filter((d) => namespaceOf(d.name) === namespace);
    const cls = class extends IndicatorNamespace {};
    const fields: Record<string, string> = {};
    for (const d of members.filter((m) => !m.args)) {
      fields[memberOf(d.name)] = CEL_TYPES[d.type];
      const slot = indicatorSlot(d.name);
      // Undefined reads as "no such key", an evaluation error like any other missing value.
      Object.defineProperty(cls.prototype, memberOf(d.name), { get(this: IndicatorNamespace) { return this.values.get(slot); } });
    }
    const typeName = typeNameOf(namespace);
    env.registerType(typeName, { ctor: cls, fields });
    env.registerVariable(namespace, typeName);
    for (const d of members.filter((m) => m.args)) {
      env.registerFunction(`${typeName}.${memberOf(d.name)}(string): ${CEL_TYPES[d.type]}`, (target: IndicatorNamespace, argument: string) =>
        present(target.values, indicatorSlot(d.name, argument), `${d.name}('${argument}')`),
      );
    }
    classes.set(namespace, cls);
  }
  for (const d of INDICATORS.filter((i) => !namespaceOf(i.name))) env.registerVariable(d.name, CEL_TYPES[d.type]);
  return { env, classes };
}

const { env, classes } = buildEnvironment();

export class RuleError extends GatewayError {
  constructor(field: string, rule: string, offset: number, reason: 'SYNTAX' | 'UNKNOWN_INDICATOR' | 'BAD_ARGUMENT' | 'NO_INDICATOR' | 'TYPE' | CostRefusal['reason'], message: string) {
    const before = rule.slice(0, Math.max(0, Math.min(offset, rule.length)));
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    super('BAD_USER_INPUT', `${field}: line ${line}, column ${column}: ${message}`, { field, reason, line, column, offset });
  }
}

/** The indicators under `namespace`, or without a prefix (undefined). */
function namesIn(namespace: string | undefined): string {
  return INDICATORS.filter((d) => namespaceOf(d.name) === namespace)
    .map((d) => (d.args ? `${d.name}('${d.args[0]}')` : d.name))
    .join(', ');
}

/** The indicators a parsed rule names, checked against the catalogue (names, arguments), in order of first use. */
function collectReferences(ast: ASTNode, rule: string, field: string): IndicatorReference[] {
  const found = new Map<string, IndicatorReference>();
  const fail = (node: ASTNode, reason: 'UNKNOWN_INDICATOR' | 'BAD_ARGUMENT', message: string): never => {
    throw new RuleError(field, rule, node.pos, reason, message);
  };
  const add = (node: ASTNode, name: string, argument?: string) => {
    const definition = findIndicator(name);
    if (!definition) {
      const namespace = namespaceOf(name);
      const hint = namespace ? `the ${namespace} indicators are ${namesIn(namespace)}` : `the indicators without a prefix are ${namesIn(undefined)}`;
      return fail(node, 'UNKNOWN_INDICATOR', `unknown indicator ${name} (${hint})`);
    }
    if (definition.args && argument === undefined) return fail(node, 'BAD_ARGUMENT', `${name} takes one argument, one of ${definition.args.map((a) => `'${a}'`).join(', ')}`);
    if (!definition.args && argument !== undefined) return fail(node, 'BAD_ARGUMENT', `${name} takes no argument`);
    if (definition.args && !definition.args.includes(argument!)) {
      return fail(node, 'BAD_ARGUMENT', `${name}('${argument}'): the argument must be one of ${definition.args.map((a) => `'${a}'`).join(', ')}`);
    }
    const slot = indicatorSlot(name, argument);
    if (!found.has(slot)) found.set(slot, { name, argument, slot, definition });
  };
  const isNamespace = (node: ASTNode, bound: ReadonlySet<string>) => node.op === 'id' && NAMESPACES.includes(node.args as string) && !bound.has(node.args as string);
  const walk = (node: ASTNode, bound: ReadonlySet<string>): void => {
    if (node.op === 'id') {
      const name = node.args as string;
      if (bound.has(name)) return;
      if (NAMESPACES.includes(name)) return fail(node, 'UNKNOWN_INDICATOR', `${name} is not an indicator itself: name one of ${namesIn(name)}`);
      return add(node, name);
    }
    if (node.op === '.') {
      const [target, member] = node.args as [ASTNode, string];
      if (isNamespace(target, bound)) return add(target, `${target.args as string}.${member}`);
      return walk(target, bound);
    }
    if (node.op === 'rcall') {
      const [method, target, args] = node.args as [string, ASTNode, ASTNode[]];
      if (isNamespace(target, bound)) {
        const name = `${target.args as string}.${method}`;
        const literal = args.length === 1 && args[0]!.op === 'value' && typeof args[0]!.args === 'string' ? (args[0]!.args as string) : undefined;
        if (args.length > 0 && literal === undefined && findIndicator(name)?.args) {
          return fail(node, 'BAD_ARGUMENT', `${name} takes one quoted argument, one of ${findIndicator(name)!.args!.map((a) => `'${a}'`).join(', ')}`);
        }
        return add(node, name, args.length > 0 ? literal : undefined);
      }
      walk(target, bound);
      // Variables bound by a macro shadow indicator names inside it.
      const variable = MACROS.has(method) && args[0]?.op === 'id' ? (args[0].args as string) : undefined;
      const inner = variable ? new Set([...bound, variable]) : bound;
      return args.slice(variable ? 1 : 0).forEach((a) => walk(a, inner));
    }
    childNodes(node).forEach((child) => walk(child, bound));
  };
  walk(ast, new Set());
  return [...found.values()];
}

/** CEL compares numbers across int and double, but has no == or arithmetic between them. */
const numberHint = (message: string) => (/double .* int|int .* double/.test(message) ? `${message} (numeric indicators are decimals: write 3.0, not 3)` : message);

/**
 * Checks a rule as written: syntax, the indicators and arguments it names, and its types (it must be
 * true or false). Throws a RuleError (BAD_USER_INPUT) naming the line and column otherwise.
 */
export function checkRule(text: string, field = 'rule'): CheckedRule {
  if (typeof text !== 'string' || text.trim().length === 0) throw new GatewayError('BAD_USER_INPUT', `${field}: is empty`, { field, reason: 'SYNTAX' });
  if (text.length > MAX_RULE_LENGTH) throw new GatewayError('BAD_USER_INPUT', `${field}: is longer than ${MAX_RULE_LENGTH} characters`, { field, reason: 'SYNTAX' });
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = env.parse(text);
  } catch (error) {
    if (error instanceof ParseError) throw new RuleError(field, text, error.node?.pos ?? 0, 'SYNTAX', error.summary);
    throw error;
  }
  const references = collectReferences(parsed.ast, text, field);
  // A rule that reads nothing about people says the same of everyone: certainly a mistake.
  if (references.length === 0) throw new RuleError(field, text, 0, 'NO_INDICATOR', 'a rule must read at least one indicator');
  const checked = parsed.check();
  if (!checked.valid) {
    const error = checked.error!;
    throw new RuleError(field, text, error.node?.pos ?? 0, error instanceof ParseError ? 'SYNTAX' : 'TYPE', numberHint(error.summary));
  }
  if (checked.type !== 'bool') throw new RuleError(field, text, 0, 'TYPE', `a rule must be true or false; this one is a ${checked.type}`);
  return {
    text,
    ast: parsed.ast,
    references,
    evaluate(values) {
      const context: Record<string, unknown> = {};
      for (const [namespace, cls] of classes) context[namespace] = new cls(values);
      for (const ref of references) {
        const value = values.get(ref.slot);
        if (!namespaceOf(ref.name) && value !== undefined) context[ref.name] = value;
      }
      try {
        return parsed(context) as boolean;
      } catch (error) {
        if (error instanceof EvaluationError) return undefined;
        throw error;
      }
    },
  };
}

/**
 * A rule checked as `checkRule` does, and cheap enough to run (ruleCost.ts): what is saved and what
 * is evaluated. Reading a programme only checks, so a rule saved before a bound was set stays readable.
 */
export function runnableRule(text: string, field = 'rule'): CheckedRule {
  const rule = checkRule(text, field);
  const tooCostly = costRefusal(rule.ast);
  if (tooCostly) throw new RuleError(field, text, tooCostly.node.pos, tooCostly.reason, tooCostly.message);
  return rule;
}

/** How a reference is written in a rule: `age_years`, `dr.severity('vision')`. */
export const referenceText = (ref: Pick<IndicatorReference, 'name' | 'argument'>) => (ref.argument === undefined ? ref.name : `${ref.name}('${ref.argument}')`);
