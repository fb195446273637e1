/**
 * GET /metrics: the Prometheus text exposition, for operators only. A user token with `metrics:read`;
 * refusals are the app's usual 401 and 403 error bodies (see errorHandler).
 */
import type { RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import { requireScopes } from '../auth/principal';
import { bearerToken, TokenService } from '../auth/tokens';
import { GatewayError } from '../errors';

export function metricsEndpoint(registry: Registry, tokens: TokenService): RequestHandler {
  return async (req, res) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) throw new GatewayError('UNAUTHENTICATED', 'a bearer token is required');
    const principal = await tokens.verify(token);
    // Partners can never hold metrics:read; refused by kind too, so a change there cannot open this.
    if (principal.kind !== 'user') throw new GatewayError('FORBIDDEN', 'metrics are for operators');
    requireScopes(principal, 'metrics:read');
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  };
}
