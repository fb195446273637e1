/**
 * The async half of the server: the durable job that answers a stored request and POSTs the signed
 * callback to the partner's `sender_uri` with its callback credentials, retried with backoff by the
 * job queue. The answer is computed once and stored, so a retry (or a restart) sends the same answer
 * with the same message id; the people it discloses are stored with it and recorded under that id
 * before every attempt (the audit keeps one record per person and message).
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../../src/auth/principal';
import type { Logger } from '../../../src/log';
import { PermanentJobError } from '../../../src/jobs/queue';
import { callbackActionFor, KeyRing, ReceiptRequest, RequestAction, SearchRequest, SubscribeRequest, TxnStatusRequest, UnsubscribeRequest } from '../protocol';
import { deliver, DeliveryObserver } from './delivery';
import type { DisclosureRecorder, PersonDisclosure } from './disclosureAudit';
import { type InboundPartner, type PartnerDirectory, underCallbackBase } from './partners';
import { answerReceipt, type ReceiptLedger } from './receipts';
import { signEnvelope } from './replies';
import { answerSearch, partnerPrincipal, SearchDeps } from './search';
import type { StoredTransaction, TransactionAction, TransactionStore } from './transactions';
import { txnStatus } from './txnStatus';

export interface Answer {
  status: 'succ' | 'rjct';
  message?: Record<string, unknown>;
  totalCount: number;
  reasonMessage?: string;
  /** The people the message shows, for the disclosure audit; absent in answers stored before it. */
  disclosed?: PersonDisclosure[];
}

/** Subscribe and unsubscribe, answered by the subscription registry. */
export interface SubscriptionActions {
  subscribe(request: SubscribeRequest, partner: InboundPartner, correlationId: string): Promise<Record<string, unknown>>;
  unsubscribe(request: UnsubscribeRequest, partner: InboundPartner, correlationId: string): Promise<Record<string, unknown>>;
}

export interface AsyncActions {
  referenceIds(action: TransactionAction, message: unknown): string[];
  answer(txn: StoredTransaction, partner: InboundPartner, principal: Principal): Promise<Answer>;
}

export function asyncActions(deps: SearchDeps & { transactions: TransactionStore; subscriptions: SubscriptionActions; receipts: ReceiptLedger }): AsyncActions {
  return {
    referenceIds(action, message) {
      const m = message as Record<string, unknown>;
      const items = (action === 'search' ? m.search_request : action === 'subscribe' ? m.subscribe_request : undefined) as { reference_id: string }[] | undefined;
      if (items) return items.map((i) => i.reference_id);
      if (action === 'txn-status') return [(m as unknown as TxnStatusRequest).txnstatus_request.reference_id];
      if (action === 'receipt') {
        const { notification_id, subscription_code } = (m as unknown as ReceiptRequest).receipt_information;
        return [(notification_id ?? subscription_code)!];
      }
      return [];
    },
    async answer(txn, partner, principal) {
      switch (txn.action) {
        case 'search': {
          const request = txn.request as unknown as SearchRequest;
          const { message, disclosed } = await answerSearch(request, partner, principal, txn.correlationId, deps);
          return { status: 'succ', message: message as unknown as Record<string, unknown>, totalCount: request.search_request.length, disclosed };
        }
        case 'subscribe': {
          const request = txn.request as unknown as SubscribeRequest;
          return { status: 'succ', message: await deps.subscriptions.subscribe(request, partner, txn.correlationId), totalCount: request.subscribe_request.length };
        }
        case 'unsubscribe':
          return { status: 'succ', message: await deps.subscriptions.unsubscribe(txn.request as unknown as UnsubscribeRequest, partner, txn.correlationId), totalCount: 1 };
        case 'txn-status': {
          const answer = await txnStatus(txn.request as unknown as TxnStatusRequest, partner.senderId, txn.correlationId, deps.transactions);
          return { ...answer, message: answer.message as unknown as Record<string, unknown>, totalCount: 1 };
        }
        case 'receipt': {
          const message = await answerReceipt(txn.request as unknown as ReceiptRequest, partner.senderId, txn.correlationId, deps.receipts);
          return { status: 'succ', message: message as unknown as Record<string, unknown>, totalCount: 1 };
        }
      }
    },
  };
}

export interface CallbackJobDeps {
  ourSenderId: string;
  keys: KeyRing;
  partners: PartnerDirectory;
  transactions: TransactionStore;
  actions: AsyncActions;
  disclosures: DisclosureRecorder;
  log: Logger;
  /** Per attempt; a partner that does not answer in time is retried later. */
  timeoutMs?: number;
  deliveries?: DeliveryObserver;
}

export function callbackJob(deps: CallbackJobDeps) {
  return async ({ correlationId }: { correlationId: string }, ctx: { attempt: number; final: boolean }) => {
    const txn = await deps.transactions.get(correlationId);
    if (!txn) throw new PermanentJobError('transaction not found');
    if (txn.delivery.state === 'delivered') return;
    const started = Date.now();
    try {
      await answerAndDeliver(deps, txn);
    } catch (error) {
      // Failed for good whenever no attempt follows, so operators never see a dead callback as still retried.
      const final = ctx.final || error instanceof PermanentJobError;
      const message = (error as Error).message;
      await deps.transactions.recordAttempt(correlationId, { delivered: false, error: message, final });
      deps.log.warn({ senderId: txn.senderId, action: txn.action, correlationId, attempt: ctx.attempt, final, error: message }, 'callback delivery failed');
      throw error;
    }
    await deps.transactions.recordAttempt(correlationId, { delivered: true });
    deps.log.info({ senderId: txn.senderId, action: txn.action, correlationId, ms: Date.now() - started, attempt: ctx.attempt }, 'callback delivered');
  };
}

async function answerAndDeliver(deps: CallbackJobDeps, stored: StoredTransaction): Promise<void> {
  const partner = await deps.partners.active(stored.senderId);
  if (!partner) throw new PermanentJobError('partner disabled or removed');
  // sender_uri was checked against the callback base when the request arrived; the callback
  // credentials must not follow it to a host the partner's callback base has since moved away from.
  if (!underCallbackBase(stored.senderUri, partner.callbackBase)) throw new PermanentJobError('sender_uri is no longer under the partner callback base');
  let txn = stored;
  if (!txn.response) {
    const answer = await deps.actions.answer(txn, partner, partnerPrincipal(partner, `callback:${txn.correlationId}`, deps.ourSenderId));
    txn = await deps.transactions.settle(txn.correlationId, answer.status, { ...answer }, randomUUID());
  }
  const answer = txn.response as unknown as Answer;
  const action = callbackActionFor(txn.action as RequestAction);
  const messageId = txn.callbackMessageId ?? randomUUID();
  await deps.disclosures.record({ partner: partner.senderId, messageId, transactionId: txn.transactionId, action, at: new Date() }, answer.disclosed ?? []);
  const signed = await signEnvelope(
    {
      action,
      status: answer.status,
      totalCount: answer.totalCount,
      reasonMessage: answer.reasonMessage,
      message: answer.message,
      messageId,
    },
    partner,
    deps.ourSenderId,
    deps.keys,
  );
  await deliver('callback', txn.senderUri, signed, partner.callbackCredentials, deps.timeoutMs ?? 10_000, deps.deliveries);
}
