/** The HTTP surface: health, metrics, GraphQL, and (mounted by their adapters) the DCI routes. */
import { expressMiddleware } from '@as-integrations/express5';
import type { ApolloServer } from '@apollo/server';
import express, { NextFunction, Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import { bearerToken, TokenService } from './auth/tokens';
import { consoleRoutes } from './console/site';
import { GatewayError } from './errors';
import { onlyMethod } from './httpAnswers';
import { createContext, Context, ContextServices } from './graphql/context';
import type { Logger } from './log';
import type { GatewayMetrics } from './metrics';
import { metricsEndpoint } from './metrics/endpoint';
import { requestDeadline } from './requestDeadline';
import { continueRequestScope, requestIds } from './requestScope';
import type { Store } from './store/connection';
import { databaseUnavailable, isDatabaseUnreachable } from './store/liveness';

export interface AppDeps {
  store: Store;
  services: ContextServices;
  tokens: TokenService;
  apollo: ApolloServer<Context>;
  metrics: Pick<GatewayMetrics, 'registry' | 'httpRequests'>;
  log: Logger;
  /** Serve the GraphQL explorer to browsers at GET /graphql (GRAPHQL_EXPLORER). */
  explorer: boolean;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestIds);
  app.use(deps.metrics.httpRequests);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await deps.store.ready();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable' });
  });
  app.get('/metrics', metricsEndpoint(deps.metrics.registry, deps.tokens));
  app.all(['/healthz', '/readyz', '/metrics'], onlyMethod('GET'));
  app.use(consoleRoutes({ explorer: deps.explorer, log: deps.log }));

  app.use(
    '/graphql',
    requestDeadline(deps.store.liveness, (res) => sendError(res, databaseUnavailable())),
    express.json({ limit: '256kb' }),
    continueRequestScope,
    expressMiddleware(deps.apollo, {
      context: async ({ req }) => {
        const token = bearerToken(req.headers.authorization);
        if (!token) throw unauthenticated('a bearer token is required');
        const principal = await deps.tokens.verify(token).catch(() => undefined);
        if (!principal) throw unauthenticated('invalid or expired token');
        return createContext(deps.services, principal);
      },
    }),
  );

  return app;
}

function unauthenticated(message: string) {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/** The GraphQL-style error body, as Apollo writes it, for failures outside an operation. */
function sendError(res: Response, error: GatewayError): void {
  res.status(error.httpStatus).json({ errors: [{ message: error.message, extensions: { code: error.code, ...error.details } }] });
}

/** Last handler: malformed JSON, oversized bodies, an unreachable database and anything unexpected, without internals. */
export function errorHandler(log: Logger) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    // Already answered (by the request's deadline): the client has its answer, and its connection is kept.
    if (res.writableEnded) return log.debug({ err: error }, 'error after the response was sent');
    if (res.headersSent) return next(error);
    if (isDatabaseUnreachable(error)) {
      log.warn({ err: (error as Error).message }, 'the database is not answering');
      return sendError(res, databaseUnavailable());
    }
    const status = (error as { status?: number }).status ?? (error instanceof GatewayError ? error.httpStatus : 500);
    if (status >= 500) log.error({ err: error }, 'unhandled error in an HTTP request');
    const code = error instanceof GatewayError ? error.code : status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
    res.status(status).json({ errors: [{ message: status < 500 ? (error as Error).message : 'internal error', extensions: { code } }] });
  };
}
