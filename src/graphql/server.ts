/** The Apollo server: schema, error policy, and the limits that keep abusive queries out. */
import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, GraphQLSchema, ValidationContext } from 'graphql';
import type { Logger } from '../log';
import type { Context } from './context';
import { formatErrorFor, LIMIT_EXTENSION, unavailableStatus } from './errors';

export const QUERY_LIMITS = { maxDepth: 10, maxAliases: 15, maxCost: 20000, maxTokens: 2000 };

/** Reports the rejection ourselves (armor's own error carries no marker we can map to our code). */
function markAs(limit: string) {
  return {
    propagateOnRejection: false,
    onReject: [
      (ctx: ValidationContext | null, error: GraphQLError) => {
        ctx?.reportError(new GraphQLError(error.message, { extensions: { [LIMIT_EXTENSION]: limit } }));
      },
    ],
  };
}

export function createApolloServer(opts: { schema: GraphQLSchema; production: boolean; log: Logger; plugins?: ApolloServerPlugin<Context>[] }) {
  const armor = new ApolloArmor({
    maxDepth: { n: QUERY_LIMITS.maxDepth, ...markAs('depth') },
    maxAliases: { n: QUERY_LIMITS.maxAliases, ...markAs('aliases') },
    costLimit: { maxCost: QUERY_LIMITS.maxCost, ...markAs('cost') },
    // Counted by graphql-js itself (parseOptions below): armor's token plugin parses the query in a
    // plugin hook, where any syntax error became an HTTP 500 instead of Apollo's 400.
    maxTokens: { enabled: false },
    maxDirectives: { n: 50, ...markAs('directives') },
    // "Did you mean …" suggestions leak the schema to callers who may not introspect it.
    blockFieldSuggestion: { enabled: opts.production },
  });
  const protection = armor.protect();
  return new ApolloServer<Context>({
    schema: opts.schema,
    introspection: !opts.production,
    includeStacktraceInErrorResponses: false,
    formatError: formatErrorFor(opts.production, opts.log),
    validationRules: protection.validationRules,
    parseOptions: { maxTokens: QUERY_LIMITS.maxTokens },
    // Compact JSON, not Apollo's default two-space indentation, which made the 50-household
    // dashboard answer 159 KB instead of 57 KB.
    stringifyResult: (result) => JSON.stringify(result),
    // No HTTP caching of answers (they depend on the caller's scopes), so no per-field cache hints either.
    // Apollo's landing pages load from its CDN; browsers get our bundled explorer instead (src/console/site.ts).
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      ...protection.plugins,
      unavailableStatus,
      ...(opts.plugins ?? []),
    ],
    // The process owner (serve) stops everything in order on SIGTERM/SIGINT; Apollo's own handlers
    // would stop the HTTP server a second time, concurrently, and leave the process hanging.
    stopOnTerminationSignals: false,
  });
}
