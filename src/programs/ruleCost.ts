/**
 * What a rule may cost, judged when it is checked. A rule runs once per person on the gateway's one
 * thread, so a rule that is slow to evaluate stalls every other request while a programme is counted:
 * a 2,000-character rule of three nested `map`s over 60-element lists took 11.5 s for 284 people,
 * and a backtracking regular expression a minute for one. Regular expressions are not offered (no
 * indicator needs one; `startsWith`, `endsWith`, `contains` and `in` do what rules ask of text), and
 * a rule's estimated steps per person are bounded; rules of comparisons stay far below the bound.
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import { childNodes, MACROS } from './ruleAst';

/** Steps per person: at most about 0.1 ms of evaluation, so 20,000 people cost at most about 2 s. */
export const MAX_RULE_COST = 1_000;
/** A list a rule builds (a split string) may be as long as the bound: no macro may run over one. */
const UNKNOWN_SIZE = MAX_RULE_COST;

/** Functions no rule may call, with what to write instead. */
const REFUSED: Record<string, string> = {
  matches: 'regular expressions (matches) are not available in rules: use startsWith, endsWith, contains or in',
};

export interface CostRefusal {
  node: ASTNode;
  reason: 'UNSUPPORTED' | 'TOO_COSTLY';
  message: string;
}

const methodOf = (node: ASTNode) => (node.op === 'rcall' || node.op === 'call' ? (node.args as [string, ...unknown[]])[0] : undefined);

/** Elements of a list or map literal, or of a macro's result (at most its range's). */
function sizeOf(node: ASTNode): number {
  if (node.op === 'list' || node.op === 'map') return (node.args as unknown[]).length;
  if (node.op === 'rcall' && MACROS.has(methodOf(node)!)) return sizeOf((node.args as [string, ASTNode, ASTNode[]])[1]);
  return UNKNOWN_SIZE;
}

/** The estimated steps of evaluating `node` once: a macro's body counts once per element. */
function cost(node: ASTNode): number {
  if (node.op === 'rcall' && MACROS.has(methodOf(node)!)) {
    const [, range, args] = node.args as [string, ASTNode, ASTNode[]];
    return 1 + cost(range) + sizeOf(range) * args.slice(1).reduce((sum, a) => sum + cost(a), 1);
  }
  return childNodes(node).reduce((sum, child) => sum + cost(child), 1);
}

function refusedCall(node: ASTNode): ASTNode | undefined {
  const method = methodOf(node);
  if (method !== undefined && REFUSED[method]) return node;
  for (const child of childNodes(node)) {
    const found = refusedCall(child);
    if (found) return found;
  }
  return undefined;
}

/** Why a parsed rule may not run, or undefined when it may. */
export function costRefusal(ast: ASTNode): CostRefusal | undefined {
  const refused = refusedCall(ast);
  if (refused) return { node: refused, reason: 'UNSUPPORTED', message: REFUSED[methodOf(refused)!]! };
  const steps = cost(ast);
  if (steps <= MAX_RULE_COST) return undefined;
  return {
    node: ast,
    reason: 'TOO_COSTLY',
    message: `evaluating it would take about ${steps} steps per person, over the ${MAX_RULE_COST} a rule may take (lists, and map, filter, exists or all over them, multiply)`,
  };
}
