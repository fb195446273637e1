/**
 * `POST /oauth2/client/token` (DCI authz API, RFC 6749 §4.4): partners exchange their client
 * credentials for a bearer token carrying their partner id and the DCI scopes granted to them.
 * The spec's required `timestamp` header is not enforced: generic OAuth2 clients do not send it and
 * it protects nothing here.
 */
import express, { NextFunction, Request, Response, Router } from 'express';
import type { TokenService } from '../../../src/auth/tokens';
import type { Logger } from '../../../src/log';
import { PartnerRateLimiter } from '../../../src/partners/rateLimiter';
import { authenticateClient, PartnerModels } from '../../../src/partners/service';
import { requestDeadline } from '../../../src/requestDeadline';
import { DatabaseLiveness, isDatabaseUnreachable } from '../../../src/store/liveness';

export const PARTNER_TOKEN_TTL_SECONDS = 3600;
const TOKEN_PATH = '/oauth2/client/token';
/**
 * Failed client authentications allowed per minute for one client id from one remote address. Each
 * one costs a scrypt derivation, so unbounded failures would be both a guessing channel and a cheap
 * way to burn our CPU. Keyed on the client id too, so that behind a NAT or an ingress one misbehaving
 * client does not lock out every partner.
 */
export const FAILED_AUTH_PER_CLIENT_PER_MINUTE = 30;
/** Failed client authentications per minute from one address whatever the client id: rotating ids is bounded too. */
export const FAILED_AUTH_PER_ADDRESS_PER_MINUTE = 300;

/** RFC 6749 §5.2's codes, and §4.1.2.1's `temporarily_unavailable` for a database that does not answer. */
type OAuthError = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope' | 'temporarily_unavailable';

export interface OAuthDeps {
  models: PartnerModels;
  tokens: TokenService;
  database: DatabaseLiveness;
  log: Logger;
  /** The failure budgets' clock (default Date.now). */
  now?: () => number;
}

/** Token responses and errors must never be cached (RFC 6749 §5.1). */
function noStore(res: Response): Response {
  return res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
}

function fail(res: Response, status: number, error: OAuthError, description?: string): void {
  noStore(res).status(status).json(description ? { error, error_description: description } : { error });
}

/**
 * Client credentials from HTTP Basic (each part form-urlencoded first, RFC 6749 §2.3.1), or null
 * when the header is not Basic; undefined when it is Basic but malformed.
 */
function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | null | undefined {
  const encoded = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header ?? '')?.[1];
  if (encoded === undefined) return header && /^Basic\b/i.test(header) ? undefined : null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    const part = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { clientId: part(decoded.slice(0, colon)), clientSecret: part(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

export function oauthTokenRouter(deps: OAuthDeps): Router {
  const router = Router();
  // A failure is charged before the secret is verified, and given back once it proves right: charging
  // afterwards would let parallel requests all pass before the first failure is recorded.
  const failures = new PartnerRateLimiter(deps.now);

  const unavailable = (res: Response) => fail(res, 503, 'temporarily_unavailable', 'the partner database is not answering; retry later');
  router.post(TOKEN_PATH, requestDeadline(deps.database, unavailable), express.urlencoded({ extended: false, limit: '8kb' }), async (req: Request, res: Response, next: NextFunction) => {
    try {
      // A JSON body is the usual mistake: naming the form type tells the integrator more than a missing grant_type.
      if (req.is('application/x-www-form-urlencoded') === false) return fail(res, 400, 'invalid_request', 'the body must be application/x-www-form-urlencoded (RFC 6749 §4.4.2)');
      const body: Record<string, unknown> = req.body ?? {};
      // A parameter sent twice arrives as an array; RFC 6749 §3.2 forbids repeating parameters.
      const repeated = Object.keys(body).find((name) => Array.isArray(body[name]));
      if (repeated) return fail(res, 400, 'invalid_request', `${repeated} is repeated`);
      const param = (name: string) => (typeof body[name] === 'string' && body[name] !== '' ? (body[name] as string) : undefined);

      const grantType = param('grant_type');
      if (!grantType) return fail(res, 400, 'invalid_request', 'grant_type is required');
      if (grantType !== 'client_credentials') return fail(res, 400, 'unsupported_grant_type');

      const basic = basicCredentials(req.headers.authorization);
      if (basic === undefined) return fail(res, 400, 'invalid_request', 'malformed Basic authorization header');
      if (basic && (param('client_id') ?? param('client_secret'))) {
        return fail(res, 400, 'invalid_request', 'use one client authentication method, not both');
      }
      const clientId = basic?.clientId ?? param('client_id');
      const clientSecret = basic?.clientSecret ?? param('client_secret');
      if (!clientId) return fail(res, 400, 'invalid_request', 'client_id is required');
      if (!clientSecret) return fail(res, 400, 'invalid_request', 'client_secret is required');

      // An address holds no space, so no other (address, client id) pair shares this key.
      const address = `${req.socket.remoteAddress}`;
      const pair = `${address} ${clientId}`;
      const charged = failures.take(pair, FAILED_AUTH_PER_CLIENT_PER_MINUTE);
      const throttled = charged.allowed ? failures.take(address, FAILED_AUTH_PER_ADDRESS_PER_MINUTE) : charged;
      if (!throttled.allowed) {
        if (charged.allowed) failures.refund(pair, FAILED_AUTH_PER_CLIENT_PER_MINUTE);
        res.set('Retry-After', String(throttled.retryAfterSeconds));
        return fail(res, 429, 'invalid_request', 'too many failed client authentications; retry later');
      }
      const giveBack = () => {
        failures.refund(pair, FAILED_AUTH_PER_CLIENT_PER_MINUTE);
        failures.refund(address, FAILED_AUTH_PER_ADDRESS_PER_MINUTE);
      };
      const partner = await authenticateClient(deps.models, clientId, clientSecret).catch((error: unknown) => {
        // The database failed, not the client: that is no failed authentication.
        giveBack();
        throw error;
      });
      if (!partner) {
        deps.log.warn({ clientId }, 'token request with invalid client credentials');
        // A client that authenticated with Basic is told which scheme to use again (RFC 6749 §5.2).
        if (basic) res.set('WWW-Authenticate', 'Basic realm="dci-gateway"');
        return fail(res, 401, 'invalid_client');
      }
      giveBack();

      const granted: readonly string[] = partner.scopes;
      const requested = param('scope')?.split(' ').filter(Boolean);
      const missing = requested?.find((scope) => !granted.includes(scope));
      if (missing) return fail(res, 400, 'invalid_scope', `scope ${missing} is not granted to this client`);
      const scopes = requested && requested.length > 0 ? partner.scopes.filter((s) => requested.includes(s)) : partner.scopes;

      const accessToken = await deps.tokens.issue({
        subject: partner.clientId,
        scopes,
        kind: 'partner',
        partnerId: partner.senderId,
        ttlSeconds: PARTNER_TOKEN_TTL_SECONDS,
      });
      deps.log.info({ senderId: partner.senderId, scopes }, 'partner token issued');
      noStore(res).status(200).json({ access_token: accessToken, token_type: 'bearer', expires_in: String(PARTNER_TOKEN_TTL_SECONDS) });
    } catch (error) {
      next(error);
    }
  });

  // Unreadable bodies (bad encoding, over the size limit) are the client's fault, and a database that
  // does not answer is nobody's: both answered the OAuth way.
  router.use(TOKEN_PATH, (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    if (isDatabaseUnreachable(error)) return unavailable(res);
    const status = (error as { status?: number }).status;
    if (status === undefined || status >= 500) return next(error);
    if (status === 413) return fail(res, 413, 'invalid_request', 'request body too large');
    fail(res, 400, 'invalid_request', 'unreadable request body');
  });

  router.all(TOKEN_PATH, (_req: Request, res: Response) => {
    res.set('Allow', 'POST');
    fail(res, 405, 'invalid_request', 'the token endpoint takes POST only');
  });
  return router;
}
