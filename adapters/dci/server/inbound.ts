/**
 * The checks every inbound DCI message passes, in this order, before any handler sees it:
 * bearer token (a partner's) → rate limit → JSON → schema of the operation → sender matches the token
 * → signature with the partner's keys and profile → decryption under the partner's encryption policy,
 * and the schema again on the plaintext → callback URL (async requests) → replay guard.
 * Each refusal is an ERR acknowledgement with the spec's code and HTTP status, and leaves nothing
 * behind: the replay guard comes last, so only a message that passed everything else uses up its
 * message_id, and `acceptInbound` gives the id back when its handler fails. On routes that answer by
 * reading only, the guard's synced write runs alongside the handler's reads (`readAlongsideReplay`):
 * the answer waits for its verdict, and a replayed message gets the rjct, never what was read.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../../../src/auth/principal';
import type { Scope } from '../../../src/auth/scopes';
import { bearerToken, TokenService } from '../../../src/auth/tokens';
import type { Logger } from '../../../src/log';
import { tagRequest } from '../../../src/requestScope';
import {
  AckErrorCode,
  BodyValidator,
  DciApi,
  errBody,
  EncryptionFailure,
  HeaderReasonCode,
  httpStatusFor,
  KeyRing,
  openMessage,
  operationPaths,
  ReplayGuard,
  ReplayVerdict,
  signingProfile,
  validatorFor,
} from '../protocol';
import { type PartnerDirectory, type InboundPartner, underCallbackBase } from './partners';

export interface InboundDeps {
  tokens: TokenService;
  partners: PartnerDirectory;
  replay: ReplayGuard;
  /** Our encryption keys, which encrypted messages are addressed to. */
  keys: Pick<KeyRing, 'decryptionKey'>;
  log: Logger;
}

export interface InboundRoute {
  /** The API whose schema the body must match; several for receiver paths, which partners of every registry kind call. */
  api: DciApi | DciApi[];
  /** The spec's path, e.g. `/registry/sync/search`. */
  path: string;
  scope: Scope;
  /**
   * Async requests: the spec's receiver path the callback goes to when `header.sender_uri` is absent
   * (the spec's "default uri configured on the gateway as part of onboarding"), e.g. `/registry/on-search`.
   */
  callbackPath?: string;
  /** Sync routes whose handler only reads before it answers: the replay guard's write runs alongside those reads. */
  replayAlongside?: boolean;
  /** Why a message asks for more than the route answers at once (`rjct.total_count.limit_exceeded`), or undefined. */
  limit?: (message: unknown) => string | undefined;
}

/** What a handler receives: a message that passed every check. */
export interface InboundMessage {
  partner: InboundPartner;
  principal: Principal;
  envelope: { signature?: string; header: Record<string, unknown> & { sender_id: string; message_id: string; message_ts: string; action: string }; message?: unknown };
  correlationId: string;
  /** Async requests: where the callback goes, under the partner's callback base. */
  callbackUri?: string;
  /** Set when the message is well-formed and signed but replayed or stale: sync routes answer rjct. */
  replayRejection?: HeaderReasonCode;
  /** `replayAlongside` routes: the replay guard's verdict, still being recorded when the handler starts. */
  pendingReplay?: Promise<ReplayVerdict>;
}

export class DciRefusal extends Error {
  constructor(
    readonly code: AckErrorCode,
    message: string,
    /** When the spec's code has no status of its own for this case (415 for a content type is `err.request.bad`). */
    readonly httpStatus = httpStatusFor(code),
    /** Seconds, for a Retry-After header. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export function refuse(res: Response, error: DciRefusal, correlationId: string) {
  res.locals.dciRefusal = error.code;
  if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
  res.status(error.httpStatus).json(errBody(error.code, error.message, correlationId));
}

/** Told about every message a DCI route answered (metrics): the route's path and action, and how it ended. */
export type InboundObserver = (message: { path: string; action: string; outcome: string }) => void;

/**
 * Reports the route's message once answered. The outcome is the replay code (`rjct.*`) for a replayed
 * or stale message, however its route answered it; else the refusal code (`err.*`); else `accepted`
 * for a 2xx; else the HTTP status (an internal error), which no check chose.
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
      const message: InboundMessage = await check(req, route, deps, validate, correlationId);
      res.locals.dci = message;
      const transactionId = (message.envelope.message as { transaction_id?: unknown } | undefined)?.transaction_id;
      // From here on every log line of the request names the DCI ids a partner or operator will quote.
      tagRequest({ correlationId, ...(typeof transactionId === 'string' && { transactionId }) });
      deps.log.info({ path: route.path, senderId: message.partner.senderId, ...(message.replayRejection && { replay: message.replayRejection }) }, 'DCI message received');
      next();
    } catch (error) {
      if (!(error instanceof DciRefusal)) return next(error);
      deps.log.info({ path: route.path, code: error.code, correlationId }, 'DCI message refused');
      refuse(res, error, correlationId);
    }
  };
}

/**
 * OpenSPP's client sends `sender_uri: ""` when no callback URL is configured: that means absent, and
 * must not fail the schema's `format: uri`. Only the validated copy is normalised; the signature is
 * verified over the body as it was sent.
 */
function withoutEmptySenderUri(body: unknown): unknown {
  const header = (body as { header?: unknown } | null)?.header;
  if (typeof header !== 'object' || header === null || (header as { sender_uri?: unknown }).sender_uri !== '') return body;
  const { sender_uri: _empty, ...rest } = header as Record<string, unknown>;
  return { ...(body as object), header: rest };
}

/** Where an async request's callback goes: its `sender_uri`, which must lie under the callback base, else the registered default. */
function callbackUriOf(header: InboundMessage['envelope']['header'], partner: InboundPartner, callbackPath: string): string {
  const senderUri = header.sender_uri;
  if (typeof senderUri !== 'string' || senderUri === '') return `${partner.callbackBase.replace(/\/$/, '')}${callbackPath}`;
  if (!underCallbackBase(senderUri, partner.callbackBase)) {
    throw new DciRefusal('err.sender_uri.invalid', 'header.sender_uri must lie under the callback base registered for this partner');
  }
  return senderUri;
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
  if (!principal) throw new DciRefusal('err.request.unauthorized', 'invalid or expired token');
  if (principal.kind !== 'partner' || !principal.partnerId) {
    throw new DciRefusal('err.request.unauthorized', 'not a partner token: partners get theirs from POST /oauth2/client/token');
  }
  if (!principal.scopes.has(route.scope)) throw new DciRefusal('err.request.forbidden', `the token lacks scope ${route.scope}`);
  // Read once per message: its keys, profile, limits and callback base all come from this one read.
  const partner = await deps.partners.active(principal.partnerId);
  if (!partner) throw new DciRefusal('err.request.unauthorized', 'unknown or disabled partner');
  const budget = await deps.partners.admit(partner);
  if (!budget.allowed) throw new DciRefusal('err.request.too_many_requests', 'rate limit exceeded, retry later', undefined, budget.retryAfterSeconds);

  const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new DciRefusal('err.request.bad', 'the body is not valid JSON');
  }
  const normalised = withoutEmptySenderUri(body);
  const valid = validate(normalised);
  if (!valid.ok) throw new DciRefusal('err.request.bad', `the body does not match the ${route.path} schema: ${valid.errors.slice(0, 5).join('; ')}`);
  const envelope = normalised as InboundMessage['envelope'];
  if (envelope.header.sender_id !== partner.senderId) {
    throw new DciRefusal('err.sender_id.invalid', 'header.sender_id does not match the authenticated partner');
  }

  // The signature covers the message as sent, encrypted or not.
  const verdict = await signingProfile(partner.signingProfile).verify({ body, rawBody, headers: req.headers }, partner.keys);
  if (!verdict.ok) throw new DciRefusal(verdict.reason, verdict.reason === 'err.signature.missing' ? 'the message is not signed' : 'the signature does not verify');
  const sent = envelope.message;
  envelope.message = await plaintextOf(envelope, partner, deps.keys);
  if (envelope.message !== sent) {
    const plain = validate(envelope);
    if (!plain.ok) throw new DciRefusal('err.request.bad', `the decrypted message does not match the ${route.path} schema: ${plain.errors.slice(0, 5).join('; ')}`);
  }
  const callbackUri = route.callbackPath === undefined ? undefined : callbackUriOf(envelope.header, partner, route.callbackPath);
  // Refused before the replay guard records it: nothing of the message is kept.
  const overLimit = route.limit?.(envelope.message);
  if (overLimit !== undefined) throw new DciRefusal('err.request.bad', `rjct.total_count.limit_exceeded: ${overLimit}`);

  const checked = { partner, principal, envelope, correlationId, ...(callbackUri !== undefined && { callbackUri }) };
  if (route.replayAlongside) {
    const pendingReplay = deps.replay.check(envelope.header);
    // Its failure reaches the handler, which awaits it; this only keeps it from counting as unhandled meanwhile.
    pendingReplay.catch(() => undefined);
    return { ...checked, pendingReplay };
  }
  const replay = await deps.replay.check(envelope.header);
  return { ...checked, ...(replay.ok ? {} : { replayRejection: replay.reason }) };
}

/**
 * Runs a `replayAlongside` route's reads while the replay guard records the message, then waits for
 * its verdict. A replayed or stale message gets `replayed` (and `replayRejection` is set): what was
 * read is dropped, its failure too. A message the guard accepted gets what was read, or its error.
 */
export async function readAlongsideReplay<T>(m: InboundMessage, read: () => Promise<T>): Promise<{ replayed: HeaderReasonCode } | { read: T }> {
  const reading = read();
  // Settled below once the message is accepted; dropped, failure and all, once it is replayed.
  reading.catch(() => undefined);
  const verdict = await m.pendingReplay!;
  if (!verdict.ok) {
    m.replayRejection = verdict.reason;
    return { replayed: verdict.reason };
  }
  return { read: await reading };
}

/** The message in clear, under the partner's encryption policy (`openMessage`). */
async function plaintextOf(envelope: InboundMessage['envelope'], partner: InboundPartner, keys: InboundDeps['keys']): Promise<unknown> {
  try {
    return await openMessage(envelope, partner.encryption.policy, (kid) => keys.decryptionKey(kid));
  } catch (error) {
    if (error instanceof EncryptionFailure) throw new DciRefusal('err.encryption.invalid', error.message);
    throw error;
  }
}

/**
 * Runs a route's handler on a checked message. A handler that fails (the database, a bug) answered
 * nothing the partner can rely on: the message id is given back so that the partner may send the
 * message again. A replayed message never recorded one, so it has nothing to give back.
 */
export function acceptInbound(deps: Pick<InboundDeps, 'replay' | 'log'>, handler: (m: InboundMessage, res: Response) => Promise<void>) {
  return async (_req: Request, res: Response) => {
    const m = res.locals.dci as InboundMessage;
    try {
      await handler(m, res);
    } catch (error) {
      // A replay verdict still being recorded is waited for: a replayed message's id is the original's to keep.
      const verdict = m.pendingReplay && (await m.pendingReplay.catch(() => undefined));
      if (!m.replayRejection && verdict?.ok !== false) {
        await deps.replay.forget(m.envelope.header).catch((forgetError: unknown) => deps.log.warn({ err: (forgetError as Error).message }, 'message id not released after a failed handler'));
      }
      throw error;
    }
  };
}
