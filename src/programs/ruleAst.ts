/** Walking a parsed CEL rule: the shapes of cel-js's syntax tree that the rule checks read. */
import type { ASTNode } from '@marcbachmann/cel-js';

/** CEL's comprehension macros (`list.exists(x, x > 1)`): they bind a variable and run their body per element. */
export const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** The nodes directly under `node`, in any of its argument slots. */
export function childNodes(node: ASTNode): ASTNode[] {
  const out: ASTNode[] = [];
  const visit = (arg: unknown) => {
    if (Array.isArray(arg)) arg.forEach(visit);
    else if (arg && typeof arg === 'object' && 'op' in arg) out.push(arg as ASTNode);
  };
  if (node.op !== 'value' && node.op !== 'id') visit(node.args);
  return out;
}
