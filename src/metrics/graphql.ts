/** GraphQL operations served over HTTP, by operation type and outcome. */
import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, Registry } from 'prom-client';
import type { Context } from '../graphql/context';

/** `extensions.code` of an error as clients see it; every error we format carries one. */
function codeOf(error: unknown): string {
  const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

export function graphqlMetrics(registry: Registry): ApolloServerPlugin<Context> {
  const operations = new Counter({
    name: 'dci_gateway_graphql_operations_total',
    help: 'GraphQL operations, by operation type (unknown when none was resolved) and outcome (ok, or the first error code)',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  });
  return {
    // A missing or invalid token fails here, before any request listener exists.
    async contextCreationDidFail({ error }) {
      operations.inc({ type: 'unknown', outcome: codeOf(error) });
    },
    // A plugin hook that throws (graphql-armor's token limit on a syntax error) skips willSendResponse.
    async unexpectedErrorProcessingRequest({ requestContext, error }) {
      operations.inc({ type: requestContext.operation?.operation ?? 'unknown', outcome: codeOf(error) });
    },
    async requestDidStart() {
      return {
        async willSendResponse({ operation, response }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          operations.inc({ type: operation?.operation ?? 'unknown', outcome: errors?.length ? codeOf(errors[0]) : 'ok' });
        },
      };
    },
  };
}
