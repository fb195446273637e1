/** What a query asks below a field, for resolvers that read ahead only when it is needed. */
import { GraphQLResolveInfo, Kind, SelectionSetNode } from 'graphql';

/** Whether the field's selection names `name` directly, in inline fragments or in named ones (directives aside). */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  const asks = (set: SelectionSetNode | undefined): boolean =>
    Boolean(set) &&
    set!.selections.some((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value === name;
      if (selection.kind === Kind.INLINE_FRAGMENT) return asks(selection.selectionSet);
      return asks(info.fragments[selection.name.value]?.selectionSet);
    });
  return info.fieldNodes.some((node) => asks(node.selectionSet));
}
