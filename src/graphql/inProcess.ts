/**
 * Runs a GraphQL operation in process, as a given principal, against the same schema, rules and
 * loaders as /graphql. The DCI adapters reach the registry only through this.
 */
import { DocumentNode, execute, ExecutionResult, GraphQLSchema, parse, validate } from 'graphql';
import type { Principal } from '../auth/principal';
import { ContextServices, createContext } from './context';

export type GraphqlExecutor = (operation: string, variables: Record<string, unknown>, principal: Principal) => Promise<ExecutionResult>;

export function inProcessExecutor(schema: GraphQLSchema, services: ContextServices): GraphqlExecutor {
  const parsed = new Map<string, DocumentNode>();
  const documentFor = (operation: string): DocumentNode => {
    let document = parsed.get(operation);
    if (!document) {
      document = parse(operation);
      // Operations come from our own adapters, so a validation failure is a bug: fail loudly, once.
      const errors = validate(schema, document);
      if (errors.length > 0) throw new Error(`invalid in-process operation: ${errors.map((e) => e.message).join('; ')}`);
      parsed.set(operation, document);
    }
    return document;
  };
  return async (operation, variables, principal) =>
    execute({ schema, document: documentFor(operation), variableValues: variables, contextValue: createContext(services, principal) });
}
