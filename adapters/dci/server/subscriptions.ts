/**
 * Subscribe and unsubscribe (SPEC-NOTES 2.5, 2.7). A subscription names registry events and a filter
 * in the same query vocabulary as searches; matching events are pushed by the notifier.
 */
import { randomUUID } from 'node:crypto';
import type { EventFrequency, SubscribeReasonCode, SubscribeRequest, SubscribeResponse, SubscriptionInfo, UnsubscribeRequest, UnsubscribeResponse } from '../protocol';
import type { SubscriptionActions } from './asyncActions';
import type { Entity } from './operations';
import type { InboundPartner } from './partners';
import { translateSearch } from './query';

/** The DCI event types we publish, by the last segment of `reg_event_type`, case-insensitive. */
const EVENT_TYPES: Record<string, { events: string[]; entity?: Entity }> = {
  register: { events: ['created'] },
  registration: { events: ['created'] },
  livebirth: { events: ['created'], entity: 'individual' },
  update: { events: ['updated'] },
  death: { events: ['deceased'], entity: 'individual' },
  newhouseholdmember: { events: ['member_added'], entity: 'group' },
};

/** The records we notify, by the last segment of `notify_record_type`, case-insensitive. */
const RECORD_TYPES: Record<string, 'Member' | 'Group'> = { person: 'Member', member: 'Member', individual: 'Member', group: 'Group', household: 'Group' };

/**
 * What is wrong with a subscription's `frequency`, if anything. We notify as events happen, not on
 * a schedule; a frequency is still checked (dates in order, a 7-field Quartz-style cron), so that a
 * partner's mistake is answered rather than passed over.
 */
function frequencyProblem(f: EventFrequency): string | undefined {
  const [start, end] = [Date.parse(f.start_time), Date.parse(f.end_time)];
  if (Number.isNaN(start) || Number.isNaN(end)) return 'start_time and end_time must be date-times';
  if (end < start) return 'end_time is before start_time';
  if (typeof f.frequency !== 'string' || f.frequency.trim().split(/\s+/).length !== 7) return `frequency must be a 7-field cron expression such as "0 0 0 5,15 * ? *", got "${f.frequency}"`;
  return undefined;
}

export function eventsFor(regEventType: string) {
  return EVENT_TYPES[regEventType.split(':').pop()!.toLowerCase()];
}

export interface StoredSubscription {
  code: string;
  senderId: string;
  status: 'subscribe' | 'unsubscribe';
  regEventType: string;
  events: string[];
  entity: Entity;
  filter: Record<string, unknown>;
  criteria: Record<string, unknown>;
  notifyUrl: string;
  createdAt: Date;
}

export interface SubscriptionStore {
  create(s: StoredSubscription): Promise<void>;
  /** How many subscriptions the partner holds active. */
  countActive(senderId: string): Promise<number>;
  /** The partner's active subscription to the same events of the same records with the same filter, if any. */
  findActive(senderId: string, regEventType: string, entity: Entity, filter: Record<string, unknown>): Promise<StoredSubscription | undefined>;
  get(code: string): Promise<StoredSubscription | undefined>;
  unsubscribe(codes: string[]): Promise<void>;
  /** Every live subscription. */
  active(): Promise<StoredSubscription[]>;
}

/** Notifications go to the subscriber's notify endpoint next to the on-subscribe callback it gave. */
export function notifyUrlFor(partner: InboundPartner, senderUri: string | undefined): string {
  if (senderUri && /\/on-subscribe$/.test(senderUri)) return senderUri.replace(/\/on-subscribe$/, '/notify');
  return `${partner.callbackBase.replace(/\/$/, '')}/registry/notify`;
}

/**
 * The most subscriptions one partner may hold active: each is matched against every registry event
 * and held in memory by the notifier, so a partner cannot grow them without bound.
 */
export const MAX_ACTIVE_SUBSCRIPTIONS = 1_000;

export function subscriptionActions(store: SubscriptionStore, opts: { maxPageSize: number; senderUriOf: (correlationId: string) => Promise<string | undefined> }): SubscriptionActions {
  return {
    async subscribe(request: SubscribeRequest, partner: InboundPartner, correlationId: string) {
      const now = new Date();
      const notifyUrl = notifyUrlFor(partner, await opts.senderUriOf(correlationId));
      const items: SubscribeResponse['subscribe_response'] = [];
      let held = await store.countActive(partner.senderId);
      for (const item of request.subscribe_request) {
        const c = item.subscribe_criteria;
        const reject = (reason: SubscribeReasonCode, message: string) =>
          items.push({ reference_id: item.reference_id, timestamp: now.toISOString(), status: 'rjct', status_reason_code: reason, status_reason_message: message });
        const kind = eventsFor(c.reg_event_type);
        if (!kind) {
          reject('rjct.notify_types.invalid', `reg_event_type ${c.reg_event_type} is not published; use REGISTER, UPDATE, Death or NewHouseHoldMember`);
          continue;
        }
        const recordType = RECORD_TYPES[c.notify_record_type.split(':').pop()!.toLowerCase()];
        if (!recordType) {
          reject('rjct.notify_details.invalid', `notify_record_type ${c.notify_record_type} is not a record we notify; use Person (or Member) or Group (or Household), with or without a prefix`);
          continue;
        }
        const frequencyFault = c.frequency && frequencyProblem(c.frequency);
        if (frequencyFault) {
          reject('rjct.notify_details.invalid', `frequency: ${frequencyFault}`);
          continue;
        }
        // The purpose (authorize.purpose.code) is judged as a search's: a refusal is rjct.notify_details.invalid, the subscribe code for criteria.
        const plan = translateSearch(
          {
            query_type: c.filter_type ?? 'predicate',
            query: c.filter,
            response_entity: kind.entity === 'group' ? 'Group' : kind.entity === 'individual' ? 'Member' : recordType,
            ...(c.authorize !== undefined && { authorize: c.authorize }),
          },
          { allowedAttributes: new Set(partner.queryAttributes), disclosure: partner.disclosure, purposes: partner.purposes, maxPageSize: opts.maxPageSize, now },
        );
        if (!plan.ok) {
          reject('rjct.notify_details.invalid', plan.message);
          continue;
        }
        if (await store.findActive(partner.senderId, c.reg_event_type, plan.entity, plan.variables.filter as Record<string, unknown>)) {
          reject('rjct.event.already_subscribed', 'an identical subscription is already active');
          continue;
        }
        // The spec has no code for it; the criteria's own is the nearest.
        if (held >= MAX_ACTIVE_SUBSCRIPTIONS) {
          reject('rjct.notify_details.invalid', `this partner already holds ${MAX_ACTIVE_SUBSCRIPTIONS} active subscriptions, the most allowed: unsubscribe some first`);
          continue;
        }
        held += 1;
        const code = randomUUID();
        await store.create({
          code,
          senderId: partner.senderId,
          status: 'subscribe',
          regEventType: c.reg_event_type,
          events: kind.events,
          entity: plan.entity,
          filter: plan.variables.filter as Record<string, unknown>,
          criteria: c as unknown as Record<string, unknown>,
          notifyUrl,
          createdAt: now,
        });
        const info: SubscriptionInfo = {
          code,
          status: 'subscribe',
          timestamp: now.toISOString(),
          reg_event_type: c.reg_event_type,
          ...(c.filter_type ? { filter_type: c.filter_type } : {}),
          filter: c.filter,
          notify_record_type: c.notify_record_type,
        };
        items.push({ reference_id: item.reference_id, timestamp: now.toISOString(), status: 'succ', subscriptions: [info] });
      }
      const response: SubscribeResponse = { transaction_id: request.transaction_id, correlation_id: correlationId, subscribe_response: items };
      return response as unknown as Record<string, unknown>;
    },

    async unsubscribe(request: UnsubscribeRequest, partner: InboundPartner, correlationId: string) {
      const now = new Date().toISOString();
      const base = { transaction_id: request.transaction_id, correlation_id: correlationId, timestamp: now };
      const found = await Promise.all(request.subscription_codes.map((code) => store.get(code)));
      // All or nothing: a partner may only end its own subscriptions, and every code must be live.
      const foreign = found.findIndex((s) => !s || s.senderId !== partner.senderId);
      let response: UnsubscribeResponse;
      if (foreign >= 0) {
        response = { ...base, status: 'rjct', status_reason_code: 'rjct.subscription_code.invalid', status_reason_message: `unknown subscription code ${request.subscription_codes[foreign]}` };
      } else if (found.some((s) => s!.status === 'unsubscribe')) {
        response = { ...base, status: 'rjct', status_reason_code: 'rjct.event.already_unsubscribed', status_reason_message: 'a subscription is already ended' };
      } else {
        await store.unsubscribe(request.subscription_codes);
        response = { ...base, status: 'succ', subscription_status: request.subscription_codes.map((code) => ({ code, status: 'unsubscribe' as const })) };
      }
      return response as unknown as Record<string, unknown>;
    },
  };
}
