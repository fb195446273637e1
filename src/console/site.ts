/**
 * The web console at /console and the GraphQL explorer at GET /graphql (for browsers): static assets
 * built from src/console by `npm run build` (src/console/build.ts) into dist/, served from this
 * process with no third-party origin. The assets are public; every read they make goes through
 * /graphql with the operator's bearer token, so they hold no data and no secret.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log';
import { onlyMethod } from '../httpAnswers';
import { projectRoot } from '../paths';

export const CONSOLE_DIR = 'console';
export const EXPLORER_DIR = 'explorer';

/** Where `npm run build` writes the assets of the console and of the explorer. */
export const builtAssetsDir = (name: typeof CONSOLE_DIR | typeof EXPLORER_DIR) => path.join(projectRoot(), 'dist', name);

/** Scripts, styles and requests from this origin only; no inline script, no framing. */
const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * GraphiQL's stylesheet embeds its fonts and icons as data: URLs, and its editor and menus position
 * themselves with inline style attributes; scripts stay from this origin only.
 */
const EXPLORER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function securityHeaders(csp: string) {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    next();
  };
}

/** Assets keep their names from build to build, so browsers revalidate them (ETag) instead of caching stale ones. */
const staticFrom = (dir: string) =>
  express.static(dir, { index: 'index.html', dotfiles: 'ignore', redirect: false, cacheControl: false, setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') });

/**
 * Pages are read, not written: another method gets 405 as on every path. The bare mount path moves
 * to its directory (relative asset paths need the slash), with a JSON body like every answer.
 */
function pagesAt(mount: string) {
  const refuse = onlyMethod('GET');
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(req, res);
    if (req.originalUrl.split('?')[0] !== mount) return next();
    res.status(301).location(`${mount}/`).json({ message: `moved to ${mount}/` });
  };
}

/** After the static files: a request no file answers, when the assets are not built at all, says so. */
function notBuilt(name: string, index: string) {
  return (_req: Request, res: Response, next: NextFunction) => {
    if (fs.existsSync(index)) return next();
    res.status(404).type('text/plain').send(`The ${name} is not built: run npm run build.\n`);
  };
}

/** Whether a GET of /graphql comes from a browser navigating to it (Apollo's own rule for its landing page). */
function wantsPage(req: Request): boolean {
  return req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
}

/** Routes for the console, and for the explorer when it is on (GRAPHQL_EXPLORER). Mount before /graphql. */
export function consoleRoutes(opts: { explorer: boolean; log: Logger }): express.Router {
  const router = express.Router();
  const consoleDir = builtAssetsDir(CONSOLE_DIR);
  const consoleIndex = path.join(consoleDir, 'index.html');
  if (!fs.existsSync(consoleIndex)) opts.log.warn({ dir: consoleDir }, 'the web console is not built (npm run build): /console answers 404');
  router.use('/console', pagesAt('/console'), securityHeaders(CONSOLE_CSP), staticFrom(consoleDir), notBuilt('web console', consoleIndex));

  if (!opts.explorer) return router;
  const explorerDir = builtAssetsDir(EXPLORER_DIR);
  const explorerIndex = path.join(explorerDir, 'index.html');
  if (!fs.existsSync(explorerIndex)) opts.log.warn({ dir: explorerDir }, 'the GraphQL explorer is not built (npm run build)');
  router.use('/explorer', pagesAt('/explorer'), securityHeaders(EXPLORER_CSP), staticFrom(explorerDir), notBuilt('GraphQL explorer', explorerIndex));
  router.get(
    '/graphql',
    (req, _res, next) => next(wantsPage(req) ? undefined : 'route'),
    securityHeaders(EXPLORER_CSP),
    notBuilt('GraphQL explorer', explorerIndex),
    (_req, res, next) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(explorerIndex, (error) => error && next(error));
    },
  );
  return router;
}
