/**
 * The sandbox's OAuth2 client-credentials endpoint (DCI authz API, SPEC-NOTES 6) and the bearer check
 * on every registry endpoint. Tokens are opaque random strings held in memory: nothing outside this
 * process has to read them, and `expireAll` can revoke them at once for expiry tests.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import express, { NextFunction, Request, Response, Router } from 'express';
import { httpError } from './envelope';

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export class TokenStore {
  private readonly tokens = new Map<string, number>();

  constructor(private readonly ttlSeconds: number) {}

  issue(): { token: string; expiresIn: number } {
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, Date.now() + this.ttlSeconds * 1000);
    return { token, expiresIn: this.ttlSeconds };
  }

  valid(token: string): boolean {
    const expiry = this.tokens.get(token);
    if (expiry === undefined) return false;
    if (expiry > Date.now()) return true;
    this.tokens.delete(token);
    return false;
  }

  expireAll(): void {
    this.tokens.clear();
  }
}

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function credentials(req: Request): { id?: string; secret?: string } {
  const basic = /^Basic +(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  return { id: typeof body.client_id === 'string' ? body.client_id : undefined, secret: typeof body.client_secret === 'string' ? body.client_secret : undefined };
}

export function oauthRouter(client: OAuthClient, tokens: TokenStore): Router {
  const router = Router();
  router.post('/oauth2/client/token', express.urlencoded({ extended: false, limit: '8kb' }), (req: Request, res: Response) => {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    if ((req.body as Record<string, unknown> | undefined)?.grant_type !== 'client_credentials') {
      res.status(400).json({ error: 'unsupported_grant_type' });
      return;
    }
    const { id, secret } = credentials(req);
    if (!id || !secret || !sameText(id, client.clientId) || !sameText(secret, client.clientSecret)) {
      res.status(401).json({ error: 'invalid_client' });
      return;
    }
    const { token, expiresIn } = tokens.issue();
    // The DCI authz API types expires_in as a string.
    res.json({ access_token: token, token_type: 'bearer', expires_in: String(expiresIn) });
  });
  return router;
}

/** 401 with the DCI HTTP error body unless the request carries a live bearer token. */
export function requireToken(tokens: TokenStore) {
  return (req: Request, res: Response, next: NextFunction) => {
    const token = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (token && tokens.valid(token)) return next();
    res.set('WWW-Authenticate', 'Bearer');
    httpError(res, 401, 'err.request.unauthorized', token ? 'bearer token is invalid or expired' : 'bearer token required');
  };
}
