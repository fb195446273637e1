/**
 * The checks every inbound DCI message passes, in this order, before any handler sees it:
 * bearer token (a partner's) → JSON → rate limit → schema of the operation → sender matches the token
 * → signature with the partner's keys and profile → replay guard. Each refusal is an ERR
 * acknowledgement with the spec's code and HTTP status, and leaves nothing behind.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../../../src/auth/principal';
import type { Scope } from '../../../src/auth/scopes';
import { bearerToken, TokenService } from '../../../src/auth/tokens';
import type { Logger } from '../../../src/log';
import {
  AckErrorCode,
  BodyValidator,
  DciApi,
  errBody,
  HeaderReasonCode,
  httpStatusFor,
  operationPaths,
  PartnerKeyResolver,
  ReplayGuard,
  signingProfile,
  validatorFor,
} from '../protocol';
import type { PartnerDirectory, InboundPartner } from './partners';

export interface InboundDeps {
  tokens: TokenService;
  partners: PartnerDirectory;
  partnerKeys: PartnerKeyResolver;
  replay: ReplayGuard;
  log: Logger;
}

export interface InboundRoute {
  /** The API whose schema the body must match; several for receiver paths, which partners of every registry kind call. */
  api: DciApi | DciApi[];
  /** The spec's path, e.g. `/registry/sync/search`. */
  path: string;
  scope: Scope;
}

/** What a handler receives: a message that passed every check. */
export interface InboundMessage {
  partner: InboundPartner;
  principal: Principal;
  envelope: { signature?: string; header: Record<string, unknown> & { sender_id: string; message_id: string; message_ts: string; action: string }; message?: unknown };
  correlationId: string;
  /** Set when the message is well-formed and signed but replayed or stale: sync routes answer rjct. */
  replayRejection?: HeaderReasonCode;
}

export class DciRefusal extends Error {
  constructor(
    readonly code: AckErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function refuse(res: Response, error: DciRefusal, correlationId: string) {
  res.locals.dciRefusal = error.code;
  res.status(httpStatusFor(error.code)).json(errBody(error.code, error.message, correlationId));
}

/** Told about every message a DCI route answered (metrics): the route's path and action, and how it ended. */
export type InboundObserver = (message: { path: string; action: string; outcome: string }) => void;

/**
 * Reports the route's message once answered. The outcome is the replay code (`rjct.*`) for a replayed
 * or stale message, however its route answered it; else the refusal code (`err.*`); else `accepted`
 * for a 2xx; else the HTTP status (a body over the limit, an internal error), which no check chose.
 */
export function observeInbound(route: { path: string; action: string }, observer: InboundObserver) {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.once('finish', () => {
      const replay = (res.locals.dci as InboundMessage | undefined)?.replayRejection;
      const refusal = res.locals.dciRefusal as AckErrorCode | undefined;
      const outcome = replay ?? refusal ?? (res.statusCode >= 200 && res.statusCode < 300 ? 'accepted' : String(res.statusCode));
      observer({ ...route, outcome });
    });
    next();
  };
}

/** Valid when one of the validators accepts; otherwise the first one's errors. */
function anyOf(validators: BodyValidator[]): BodyValidator {
  return (body) => {
    const results = validators.map((v) => v(body));
    return results.find((r) => r.ok) ?? results[0];
  };
}

export function checkInbound(route: InboundRoute, deps: InboundDeps) {
  const apis = (Array.isArray(route.api) ? route.api : [route.api]).filter((api) => operationPaths(api).includes(route.path));
  const validate = anyOf(apis.map((api) => validatorFor(api, route.path, 'request')));
  return async (req: Request, res: Response, next: NextFunction) => {
    const correlationId = randomUUID();
    try {
      res.locals.dci = await check(req, route, deps, validate, correlationId);
      next();
    } catch (error) {
      if (!(error instanceof DciRefusal)) return next(error);
      deps.log.info({ path: route.path, code: error.code, correlationId }, 'DCI message refused');
      refuse(res, error, correlationId);
    }
  };
}

async function check(
  req: Request,
  route: InboundRoute,
  deps: InboundDeps,
  validate: ReturnType<typeof validatorFor>,
  correlationId: string,
): Promise<InboundMessage> {
  const token = bearerToken(req.headers.authorization);
  if (!token) throw new DciRefusal('err.request.unauthorized', 'a bearer token is required');
  const principal = await deps.tokens.verify(token).catch(() => undefined);
  if (!principal || principal.kind !== 'partner' || !principal.partnerId) {
    throw new DciRefusal('err.request.unauthorized', 'invalid or expired token');
  }
  if (!principal.scopes.has(route.scope)) throw new DciRefusal('err.request.forbidden', `the token lacks scope ${route.scope}`);
  const partner = await deps.partners.active(principal.partnerId);
  if (!partner) throw new DciRefusal('err.request.unauthorized', 'unknown or disabled partner');
  if (!deps.partners.admit(partner)) throw new DciRefusal('err.request.too_many_requests', 'rate limit exceeded, retry later');

  const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new DciRefusal('err.request.bad', 'the body is not valid JSON');
  }
  const valid = validate(body);
  if (!valid.ok) throw new DciRefusal('err.request.bad', `the body does not match the ${route.path} schema: ${valid.errors.slice(0, 5).join('; ')}`);
  const envelope = body as InboundMessage['envelope'];
  if (envelope.header.sender_id !== partner.senderId) {
    throw new DciRefusal('err.sender_id.invalid', 'header.sender_id does not match the authenticated partner');
  }
  if (envelope.header.is_msg_encrypted === true) throw new DciRefusal('err.encryption.invalid', 'encrypted messages are not accepted');

  const verdict = await signingProfile(partner.signingProfile).verify({ body, rawBody, headers: req.headers }, deps.partnerKeys);
  if (!verdict.ok) throw new DciRefusal(verdict.reason, verdict.reason === 'err.signature.missing' ? 'the message is not signed' : 'the signature does not verify');

  const replay = await deps.replay.check(envelope.header);
  return { partner, principal, envelope, correlationId, ...(replay.ok ? {} : { replayRejection: replay.reason }) };
}
