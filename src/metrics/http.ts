/** HTTP requests by route group: the group stands for the path, which may carry ids. */
import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry } from 'prom-client';

type RouteGroup = 'graphql' | 'dci' | 'oauth' | 'jwks' | 'health' | 'metrics' | 'other';

const FIXED: [prefix: string, group: RouteGroup][] = [
  ['/graphql', 'graphql'],
  ['/oauth2/', 'oauth'],
  ['/.well-known/jwks.json', 'jwks'],
  ['/healthz', 'health'],
  ['/readyz', 'health'],
  ['/metrics', 'metrics'],
];

function routeGroupOf(path: string, dciBasePath: string): RouteGroup {
  if (path === dciBasePath || path.startsWith(`${dciBasePath}/`)) return 'dci';
  return FIXED.find(([prefix]) => path.startsWith(prefix))?.[1] ?? 'other';
}

export function httpMetrics(registry: Registry, dciBasePath: string): RequestHandler {
  const labelNames = ['route', 'method', 'status'] as const;
  const requests = new Counter({ name: 'dci_gateway_http_requests_total', help: 'HTTP requests answered, by route group, method and status code', labelNames, registers: [registry] });
  const duration = new Histogram({ name: 'dci_gateway_http_request_duration_seconds', help: 'Time to answer an HTTP request, by route group, method and status code', labelNames, registers: [registry] });
  return (req, res, next) => {
    // Read now: routers rewrite req.url while they handle the request.
    const route = routeGroupOf(req.path, dciBasePath);
    const stop = duration.startTimer();
    res.once('finish', () => {
      const labels = { route, method: req.method, status: String(res.statusCode) };
      requests.inc(labels);
      stop(labels);
    });
    next();
  };
}
