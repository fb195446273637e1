/** Signed outgoing envelopes: sync replies and callbacks share the header rules and the signing. */
import type { Response } from 'express';
import {
  CallbackAction,
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
  const envelope = { header: { ...header }, ...(out.message === undefined ? {} : { message: out.message }) };
  const profile = signingProfile(partner.signingProfile);
  return profile.sign(envelope, keys.activeKey(profile.keyAlgorithm));
}

export function sendSigned(res: Response, signed: SignedMessage, status = 200): void {
  res.status(status).set(signed.headers).type('application/json').send(signed.rawBody);
}
