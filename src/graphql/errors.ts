/**
 * What clients see of an error: a stable code from src/errors.ts, the client-safe details, and in
 * production never the message of an unexpected failure.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLFormattedError } from 'graphql';
import { GatewayError } from '../errors';
import type { Logger } from '../log';
import type { Context } from './context';
import { DATABASE_UNAVAILABLE, databaseUnavailable, isDatabaseUnreachable } from '../store/liveness';

/** graphql-armor rejections are marked with this extension so they get our code. */
export const LIMIT_EXTENSION = 'queryLimit';

export function formatErrorFor(production: boolean, log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const unwrapped = unwrapResolverError(error);
    const original = isDatabaseUnreachable(unwrapped) ? databaseUnavailable() : unwrapped;
    if (original instanceof GatewayError) {
      return { message: original.message, path: formatted.path, locations: formatted.locations, extensions: { code: original.code, ...original.details } };
    }
    const ext = formatted.extensions ?? {};
    // A bad literal caught while validating (e.g. an impossible Date) keeps the scalar's own code.
    const cause = (error as { originalError?: { extensions?: Record<string, unknown> } } | undefined)?.originalError;
    if (cause?.extensions?.code === 'BAD_USER_INPUT') {
      return { message: formatted.message, locations: formatted.locations, extensions: { code: 'BAD_USER_INPUT' } };
    }
    // graphql-js reports its maxTokens parse limit as a syntax error ("Document contains more that N tokens").
    if (/^Syntax Error: Document contains more th(?:at|an) \d+ tokens/.test(formatted.message)) {
      return { message: formatted.message.replace(/^Syntax Error: /, ''), extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'tokens' } };
    }
    if (ext[LIMIT_EXTENSION]) {
      return { message: formatted.message.replace(/^Syntax Error: /, ''), extensions: { code: 'QUERY_TOO_COMPLEX', limit: ext[LIMIT_EXTENSION] } };
    }
    const code = typeof ext.code === 'string' ? ext.code : 'INTERNAL_SERVER_ERROR';
    if (code === 'INTERNAL_SERVER_ERROR') {
      log.error({ err: original, path: formatted.path }, 'unexpected error in a GraphQL operation');
      if (production) return { message: 'internal error', path: formatted.path, extensions: { code } };
    }
    // Apollo's own codes (BAD_USER_INPUT for bad variables, GRAPHQL_VALIDATION_FAILED, …), without stack
    // traces; in production without "Did you mean …" hints, which would reveal the schema.
    const message = production ? formatted.message.replace(/ ?Did you mean .*$/s, '') : formatted.message;
    return { message, path: formatted.path, locations: formatted.locations, extensions: { code } };
  };
}

/**
 * An operation that failed because the database does not answer is answered HTTP 503, like the request
 * deadline's. A partner registry that cannot answer fails only its own field: the rest of the answer
 * stands, with HTTP 200, as any GraphQL answer with field errors.
 */
export const unavailableStatus: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
        if (errors?.some((e) => e.extensions?.code === 'UNAVAILABLE' && e.extensions.reason === DATABASE_UNAVAILABLE)) response.http.status = 503;
      },
    };
  },
};
