/** Pieces every signing profile needs: reading the envelope, finding the partner's keys. */
import { createPublicKey, KeyObject } from 'node:crypto';
import type { PartnerKeyResolver, ReceivedMessage, SignableMessage, VerifyResult } from '../signing';

export interface ReceivedEnvelope {
  header: Record<string, unknown>;
  senderId: string;
  /** `{header, message}` as received, the part the body-signing profiles cover. */
  content: { header: Record<string, unknown>; message?: unknown };
  signature: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The envelope of a received body, or undefined when it has no header with a sender_id to check. */
export function receivedEnvelope(body: unknown): ReceivedEnvelope | undefined {
  if (!isObject(body) || !isObject(body.header) || typeof body.header.sender_id !== 'string') return undefined;
  const { header } = body;
  return { header, senderId: header.sender_id as string, content: contentOf(body), signature: body.signature };
}

/** `{header, message}` without the signature; `message` only when present. */
export function contentOf(msg: SignableMessage | Record<string, unknown>): { header: Record<string, unknown>; message?: unknown } {
  const header = msg.header as Record<string, unknown>;
  return msg.message === undefined ? { header } : { header, message: msg.message };
}

export function ourSenderId(msg: SignableMessage): string {
  if (typeof msg.header.sender_id !== 'string' || msg.header.sender_id === '') throw new Error('cannot sign a message without header.sender_id');
  return msg.header.sender_id;
}

/** The sender's keys as KeyObjects; a resolver answer for another key id is ignored. */
export async function partnerKeys(resolver: PartnerKeyResolver, senderId: string, keyId: string | undefined): Promise<{ kid: string; key: KeyObject }[]> {
  const keys = await resolver(senderId, keyId);
  return keys.filter((k) => keyId === undefined || k.kid === keyId).map((k) => ({ kid: k.kid, key: createPublicKey({ key: k.jwk, format: 'jwk' }) }));
}

export function headerValue(headers: ReceivedMessage['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export const rawText = (raw: Buffer | string) => (typeof raw === 'string' ? raw : raw.toString('utf8'));

export const MISSING: VerifyResult = { ok: false, reason: 'err.signature.missing' };
export const INVALID: VerifyResult = { ok: false, reason: 'err.signature.invalid' };
