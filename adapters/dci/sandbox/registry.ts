/**
 * What the three registries share: their key and JWKS, the bearer and signature checks on every
 * POST, injected faults, the sync-reply and ACK-then-callback patterns (SPEC-NOTES 2.2), and the
 * record of outgoing callbacks.
 */
import { randomUUID } from 'node:crypto';
import express, { NextFunction, Request, Response, Router } from 'express';
import { ackBody, BadRequest, errAck, httpError, isObject, Json, RegistryName, textOf } from './envelope';
import type { Faults } from './faults';
import type { GatewayLink } from './gateway';
import { requireToken, TokenStore } from './oauth';
import { decryptMessage, encryptMessage } from './encryption';
import { Envelope, RegistryKey, signEnvelope, verifyEnvelope } from './signing';

/** A request envelope that passed the transport checks. */
export interface Inbound {
  header: Json;
  message: Json;
  senderId: string;
  /** Ours, returned in the ACK and in every message answering this request. */
  correlationId: string;
  /** It came encrypted: `message` is its plaintext, and what answers it goes encrypted. */
  encrypted: boolean;
}

export interface Reply {
  header: Json;
  message?: unknown;
}

export type Operation =
  | { path: string; action: string; mode: 'sync'; reply(m: Inbound): Reply }
  /** Checks and computes before the ACK (so bad input is refused at once); the returned reply goes to the callback URL. */
  | { path: string; action: string; mode: 'async'; accept(m: Inbound, callbackUrl: string): Reply };

export interface Delivery {
  registry: RegistryName;
  url: string;
  action: string;
  at: Date;
  /** The receiver's HTTP status, or the error when it could not be reached after retries. */
  status?: number;
  error?: string;
}

export class RegistryContext {
  constructor(
    readonly name: RegistryName,
    readonly senderId: string,
    readonly key: RegistryKey,
    private readonly faults: Faults,
    private readonly gateway: GatewayLink,
    private readonly deliveries: Delivery[],
  ) {}

  sign(reply: Reply): Envelope {
    return signEnvelope(reply.header, reply.message, this.key, this.faults.takeBadSignature(this.name));
  }

  /** Signs and POSTs a callback or notification; records the outcome, and rejects when it was not accepted. */
  async send(url: string, reply: Reply): Promise<void> {
    const delivery: Delivery = { registry: this.name, url, action: String(reply.header.action), at: new Date() };
    this.deliveries.push(delivery);
    try {
      delivery.status = await this.gateway.deliver(url, this.sign(reply));
    } catch (error) {
      delivery.error = (error as Error).message;
      throw error;
    }
    if (delivery.status >= 300) throw new Error(`${url} refused ${delivery.action} with ${delivery.status}`);
  }

  /** An answer to an encrypted request, encrypted to the gateway's key; any other as it is. */
  async seal(reply: Reply, encrypted: boolean): Promise<Reply> {
    if (!encrypted || reply.message === undefined) return reply;
    const key = await this.gateway.encryptionKey();
    if (!key) throw new BadRequest('the sandbox knows no encryption key of the gateway to answer an encrypted request with', 'err.encryption.invalid');
    return { header: { ...reply.header, is_msg_encrypted: true }, message: await encryptMessage(reply.message, key) };
  }

  /** Refuses bad signatures once the gateway is connected; without a link nothing is checked. */
  async verify(body: Envelope): Promise<void> {
    const keys = this.gateway.verificationKeys;
    if (!keys) return;
    if (typeof body.signature !== 'string' || body.signature === '') throw new BadRequest('the envelope is not signed', 'err.signature.missing', 401);
    if (!(await verifyEnvelope(body, keys))) throw new BadRequest('the signature does not verify with the sender key', 'err.signature.invalid', 401);
  }
}

function inbound(body: unknown, action: string, registry: RegistryName): Inbound {
  if (!isObject(body) || !isObject(body.header)) throw new BadRequest('the body must be a DCI envelope with a header');
  const { header } = body;
  for (const field of ['message_id', 'message_ts', 'sender_id']) textOf(header, field, 'header');
  if (header.action !== action) throw new BadRequest(`header.action must be ${action}`);
  if (!isObject(body.message)) throw new BadRequest('message must be an object');
  const encrypted = header.is_msg_encrypted === true;
  return { header, message: body.message, senderId: header.sender_id as string, correlationId: `${registry.toUpperCase()}-${randomUUID()}`, encrypted };
}

function callbackUrlOf(header: Json): string {
  const uri = header.sender_uri;
  try {
    if (typeof uri === 'string' && /^https?:$/.test(new URL(uri).protocol)) return uri;
  } catch {
    // falls through to the refusal
  }
  throw new BadRequest('header.sender_uri must be the http(s) URL of the callback', 'err.sender_uri.invalid');
}

export function registryRouter(ctx: RegistryContext, tokens: TokenStore, faults: Faults, operations: Operation[]): Router {
  const router = Router();
  router.use(faults.connection(ctx.name));
  router.get('/.well-known/jwks.json', (_req, res) => {
    res.json({ keys: [ctx.key.publicJwk, ctx.key.encryption.publicJwk] });
  });
  for (const op of operations) {
    router.post(op.path, faults.requests(ctx.name), requireToken(tokens), express.json({ limit: '5mb' }), async (req: Request, res: Response) => {
      let correlationId: string | undefined;
      try {
        const m = inbound(req.body, op.action, ctx.name);
        correlationId = m.correlationId;
        await ctx.verify(req.body as Envelope);
        // Verified as sent, then decrypted.
        if (m.encrypted) m.message = await decryptMessage(m.message, ctx.key.encryption);
        if (op.mode === 'sync') {
          res.json(ctx.sign(await ctx.seal(op.reply(m), m.encrypted)));
          return;
        }
        const url = callbackUrlOf(m.header);
        const reply = await ctx.seal(op.accept(m, url), m.encrypted);
        res.status(202).json(ackBody(m.correlationId));
        // The outcome is kept in the deliveries list; a lost callback is what txn/status is for.
        ctx.send(url, reply).catch(() => undefined);
      } catch (error) {
        if (error instanceof BadRequest) errAck(res, error, correlationId);
        else httpError(res, 500, 'err.service.unavailable', 'the sandbox failed to handle the request');
      }
    });
  }
  // Unparseable JSON never reaches a handler.
  router.use((_error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    errAck(res, new BadRequest('the body is not valid JSON'));
  });
  return router;
}
