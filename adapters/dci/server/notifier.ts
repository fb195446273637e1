/**
 * Notifications (SPEC-NOTES 2.6): the outbox is read in order after a stored cursor; each event is
 * matched against the active subscriptions for its type (the subscription's filter, narrowed to the
 * event's registrant, run in process as the subscriber, so it never sees more than a search would
 * show it); each match becomes one delivery row, keyed by subscription and event so it can never be
 * owed twice, and one durable job that signs and POSTs the `notify` with the subscriber's callback
 * credentials. A subscriber's deliveries go out in outbox order: a job waits while an earlier one for
 * the same subscription is still pending.
 */
import { createHash } from 'node:crypto';
import type { GraphqlExecutor } from '../../../src/graphql/inProcess';
import type { JobQueue } from '../../../src/jobs/queue';
import type { Logger } from '../../../src/log';
import type { KeyRing, NotifyEventRequest } from '../protocol';
import { deliver, DeliveryObserver } from './delivery';
import { peopleCollector, type DisclosureRecorder } from './disclosureAudit';
import { OPERATION_FOR, Entity, GroupNode, IndividualNode } from './operations';
import { underCallbackBase, type PartnerDirectory } from './partners';
import { toDciGroup, toDciMember } from './records';
import { signEnvelope } from './replies';
import { judgePurpose, Purpose, purposeOf, withoutPersonalData } from './purpose';
import { partnerPrincipal, principalFor } from './search';
import type { StoredSubscription, SubscriptionStore } from './subscriptions';

export interface OutboxEvent {
  id: string;
  seq: string;
  type: string;
  registrantKind: Entity;
  registrantId: string;
}

export interface OutboxFeed {
  /** Events after the saved cursor, oldest first. */
  next(limit: number): Promise<OutboxEvent[]>;
  advance(seq: string): Promise<void>;
}

export interface DeliveryLedger {
  /**
   * Records that this event is owed to this subscription; true while it is still owed (recorded now,
   * or by an earlier scan that may have died before queuing its job), false once it was settled.
   */
  owe(code: string, event: OutboxEvent): Promise<boolean>;
  earlierPending(code: string, seq: string): Promise<boolean>;
  markDelivered(code: string, eventId: string): Promise<void>;
  /** Owed no more before it went out: never counted as delivered, never acknowledged by a receipt. */
  markWithdrawn(code: string, eventId: string): Promise<void>;
  /** Given up after the last attempt: no longer pending, so the subscription's later notifications go on. */
  markFailed(code: string, eventId: string, error: string): Promise<void>;
  /** The event of the subscription's next pending notification after `seq`, if any. */
  nextPending(code: string, seq: string): Promise<string | undefined>;
}

export const NOTIFY_JOB = 'dci.notify';

const SR_EVENT_TYPES = new Set(['REGISTER', 'NewHouseHoldMember']);

export interface NotifierDeps {
  ourSenderId: string;
  keys: KeyRing;
  graphql: GraphqlExecutor;
  partners: PartnerDirectory;
  subscriptions: SubscriptionStore;
  outbox: OutboxFeed;
  ledger: DeliveryLedger;
  jobs: JobQueue;
  disclosures: DisclosureRecorder;
  log: Logger;
  deliveries?: DeliveryObserver;
  /** A notification still failing this long after it was queued is given up (state failed). */
  giveUpAfterMs: number;
}

interface NotifyPayload {
  code: string;
  event: OutboxEvent;
  /** When the notification was queued (ISO); absent in jobs queued before it was recorded. */
  queuedAt?: string;
}

class WaitingForEarlier extends Error {}

const notifyJobKey = (code: string, eventId: string) => `notify:${code}:${eventId}`;

/**
 * The same ids on every attempt at one notification, whichever instance makes it: a runner that
 * dies after the POST but before recording it makes another send it again, and the subscriber's
 * replay guard then drops the repeat by its message_id. A UUID (version 8) from a SHA-256 of `name`.
 */
function stableUuid(name: string): string {
  const bytes = createHash('sha256').update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The `notification_id` a notification carries, the same on every attempt: what the subscriber's receipt names. */
export const notificationIdOf = (code: string, eventId: string) => stableUuid(`notification:${code}:${eventId}`);

/** The subscription's purpose, as checked when it was made; a subscription stored before purposes were read gives none. */
function purposeOfSubscription(sub: StoredSubscription): Purpose {
  try {
    return purposeOf(sub.criteria);
  } catch {
    return {};
  }
}

/**
 * The registrant as the subscriber may see it, if it matches the subscription's filter, and the
 * people it shows. The purpose is judged again against the partner's policy of today: one it no
 * longer allows gets the record without personal data.
 */
async function matchingRecord(deps: NotifierDeps, sub: StoredSubscription, event: OutboxEvent) {
  const partner = await deps.partners.active(sub.senderId);
  if (!partner) return undefined;
  const purpose = purposeOfSubscription(sub);
  const disclosure = judgePurpose(partner.purposes, purpose).ok ? partner.disclosure : withoutPersonalData(partner.disclosure);
  const principal = principalFor(partnerPrincipal(partner, `subscription:${sub.code}`, deps.ourSenderId), disclosure);
  const filter = { and: [sub.filter, { ids: [event.registrantId] }] };
  const result = await deps.graphql(OPERATION_FOR[event.registrantKind], { filter, first: 1 }, principal);
  if (result.errors?.length) throw new Error(`subscription filter failed: ${result.errors[0].message}`);
  const data = result.data as Record<string, { edges: { node: unknown }[] }>;
  const node = data[event.registrantKind === 'group' ? 'groups' : 'individuals'].edges[0]?.node;
  if (!node) return undefined;
  const people = peopleCollector();
  const record = event.registrantKind === 'group' ? toDciGroup(node as GroupNode, disclosure, people.seen) : toDciMember(node as IndividualNode, disclosure, people.seen);
  return { partner, record, people: people.people(purpose, sub.code) };
}

/** Reads the outbox once; returns how many events it handled. */
export async function scanOutbox(deps: NotifierDeps, batch = 200): Promise<number> {
  const events = await deps.outbox.next(batch);
  if (events.length === 0) return 0;
  // One read of the live subscriptions per batch, not per event: most events interest nobody.
  const active = await deps.subscriptions.active();
  for (const event of events) {
    for (const sub of active) {
      if (sub.entity !== event.registrantKind || !sub.events.includes(event.type)) continue;
      if (!(await matchingRecord(deps, sub, event))) continue;
      // Queuing is idempotent by key: a scan that died between the ledger and the queue is completed here.
      if (await deps.ledger.owe(sub.code, event)) {
        await deps.jobs.enqueue(NOTIFY_JOB, { code: sub.code, event, queuedAt: new Date().toISOString() } satisfies NotifyPayload, { key: notifyJobKey(sub.code, event.id) });
      }
    }
  }
  await deps.outbox.advance(events[events.length - 1].seq);
  deps.jobs.kick();
  return events.length;
}

export function notifyJob(deps: NotifierDeps) {
  /**
   * A notification waiting for this one backed off while it waited (for minutes, when this one's
   * runner died and its lease had to run out): it is due now.
   */
  const wakeNext = async (code: string, event: OutboxEvent) => {
    const next = await deps.ledger.nextPending(code, event.seq);
    if (next) await deps.jobs.wake(notifyJobKey(code, next));
  };
  const giveUp = async (code: string, event: OutboxEvent, reason: string) => {
    await deps.ledger.markFailed(code, event.id, reason);
    await wakeNext(code, event);
    deps.log.warn({ code, event: event.type, reason }, 'notification given up');
  };
  return async ({ code, event, queuedAt }: NotifyPayload) => {
    if (await deps.ledger.earlierPending(code, event.seq)) throw new WaitingForEarlier('an earlier notification to this subscriber is still pending');
    const sub = await deps.subscriptions.get(code);
    const match = sub && sub.status === 'subscribe' ? await matchingRecord(deps, sub, event) : undefined;
    if (!sub || !match) {
      // Unsubscribed meanwhile, or the registrant no longer matches: nothing is owed any more.
      await deps.ledger.markWithdrawn(code, event.id);
      return;
    }
    // The subscriber may have moved its callback base since it subscribed: nothing, and no credentials, go to the old place.
    if (!underCallbackBase(sub.notifyUrl, match.partner.callbackBase)) {
      return giveUp(code, event, 'the notify URL is no longer under the partner callback base');
    }
    const message: NotifyEventRequest = {
      transaction_id: stableUuid(`notify-txn:${code}:${event.id}`),
      notification_id: notificationIdOf(code, event.id),
      notify_event: [
        {
          reference_id: code, // the subscription code, so the subscriber knows which subscription fired
          timestamp: new Date().toISOString(),
          data: {
            version: '1.0.0',
            reg_type: 'ns:org:RegistryType:Social',
            // The SR schema only lets REGISTER and NewHouseHoldMember through here; the subscription code in reference_id names the rest.
            ...(SR_EVENT_TYPES.has(sub.regEventType) ? { reg_event_type: sub.regEventType } : {}),
            reg_record_type: event.registrantKind === 'group' ? 'Group' : 'Member',
            reg_records: match.record,
          },
        },
      ],
    };
    const messageId = stableUuid(`notify-msg:${code}:${event.id}`);
    await deps.disclosures.record({ partner: sub.senderId, messageId, transactionId: message.transaction_id, action: 'notify', at: new Date() }, match.people);
    const signed = await signEnvelope(
      { action: 'notify', status: 'succ', totalCount: 1, message, messageId },
      match.partner,
      deps.ourSenderId,
      deps.keys,
    );
    try {
      await deliver('notify', sub.notifyUrl, signed, match.partner.callbackCredentials, 10_000, deps.deliveries);
    } catch (error) {
      // Notifications wait for each other, so one that never gets through would hold back every
      // later one of its subscription: past the give-up age it is dropped, and they go on.
      const age = queuedAt ? Date.now() - Date.parse(queuedAt) : 0;
      if (age >= deps.giveUpAfterMs) return giveUp(code, event, (error as Error).message);
      throw error;
    }
    await deps.ledger.markDelivered(code, event.id);
    await wakeNext(code, event);
    deps.log.info({ senderId: sub.senderId, code, event: event.type }, 'notification delivered');
  };
}
