/**
 * Signed outgoing envelopes: sync replies, callbacks and notifications share the header rules, the
 * encryption to a partner that asks for it, and the signing (over the message as sent, encrypted or not).
 */
import type { Response } from 'express';
import {
  CallbackAction,
  encryptMessage,
  HeaderReasonCode,
  KeyRing,
  newCallbackHeader,
  RequestStatus,
  SignedMessage,
  signingProfile,
} from '../protocol';
import type { InboundPartner } from './partners';

export interface OutgoingEnvelope {
  action: CallbackAction;
  status: RequestStatus;
  totalCount: number;
  completedCount?: number;
  reasonCode?: HeaderReasonCode;
  reasonMessage?: string;
  message?: unknown;
  /** Keep the same message id across delivery attempts, so the receiver can drop a repeat. */
  messageId?: string;
}

export async function signEnvelope(out: OutgoingEnvelope, partner: InboundPartner, ourSenderId: string, keys: KeyRing): Promise<SignedMessage> {
  const header = newCallbackHeader({
    senderId: ourSenderId,
    receiverId: partner.senderId,
    action: out.action,
    status: out.status,
    totalCount: out.totalCount,
    completedCount: out.completedCount,
    reasonCode: out.reasonCode,
    reasonMessage: out.reasonMessage,
  });
  if (out.messageId) header.message_id = out.messageId;
  const { encryptTo } = partner.encryption;
  const encrypt = encryptTo !== undefined && out.message !== undefined;
  if (encrypt) header.is_msg_encrypted = true;
  const message = encrypt ? await encryptMessage(out.message, encryptTo) : out.message;
  const envelope = { header: { ...header }, ...(message === undefined ? {} : { message }) };
  const profile = signingProfile(partner.signingProfile);
  return profile.sign(envelope, keys.activeKey(profile.keyAlgorithm));
}

export function sendSigned(res: Response, signed: SignedMessage, status = 200): void {
  res.status(status).set(signed.headers).type('application/json').send(signed.rawBody);
}
