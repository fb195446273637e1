/**
 * Notification receipts (our extension of the Social Registry API: protocol/extensions/receipts.yaml).
 * A subscriber acknowledges a notification by the `notification_id` its notify message carried, or,
 * naming only the subscription, its oldest delivered notification no receipt has acknowledged yet. A
 * receipt that matches nothing of the partner's is still taken (status succ) with the warning
 * `warn.notification.not_found`: acknowledging twice, or a notification that was never sent, leaves
 * the subscriber nothing to repair, so it is not an error.
 */
import type { ReceiptRequest, ReceiptResponse } from '../protocol';

export interface Receipt {
  senderId: string;
  transactionId: string;
  correlationId: string;
  at: Date;
}

export interface Acknowledged {
  notificationId: string;
  code: string;
}

/** src/jobs/dciSubscriptions implements it on the notification ledger. */
export interface ReceiptLedger {
  /** The partner's own notification with this id (of subscription `code` when given), acknowledged (a repeat receipt changes nothing). */
  acknowledge(notificationId: string, receipt: Receipt, code?: string): Promise<Acknowledged | undefined>;
  /** The oldest delivered, unacknowledged notification of the partner's own subscription `code`, acknowledged. */
  acknowledgeOldest(code: string, receipt: Receipt): Promise<Acknowledged | undefined>;
}

/** The answer to one receipt; `correlationId` is ours for the receipt message (the ACK's, or the sync reply's). */
export async function answerReceipt(request: ReceiptRequest, senderId: string, correlationId: string, ledger: ReceiptLedger): Promise<ReceiptResponse> {
  const { notification_id: notificationId, subscription_code: code } = request.receipt_information;
  const receipt: Receipt = { senderId, transactionId: request.transaction_id, correlationId, at: new Date() };
  const acknowledged =
    // Naming both, the notification must be of that subscription: one of another is matched by neither.
    (notificationId !== undefined ? await ledger.acknowledge(notificationId, receipt, code) : undefined) ??
    (code !== undefined ? await ledger.acknowledgeOldest(code, receipt) : undefined);
  const timestamp = receipt.at.toISOString();
  const item: ReceiptResponse['receipt_response'][number] = acknowledged
    ? { reference_id: acknowledged.notificationId, timestamp, status: 'succ', notification_id: acknowledged.notificationId, subscription_code: acknowledged.code }
    : {
        // The schema requires one of the two, so the receipt names something to refer to.
        reference_id: (notificationId ?? code)!,
        timestamp,
        status: 'succ',
        status_reason_code: 'warn.notification.not_found',
        status_reason_message:
          code === undefined ? 'no notification of this sender has this notification_id' : 'no delivered notification of this sender\'s subscription is left to acknowledge',
      };
  return { transaction_id: request.transaction_id, correlation_id: correlationId, receipt_response: [item] };
}
