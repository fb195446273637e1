/**
 * Subscriptions to a social registry's events (SPEC-NOTES 2.5): confirmed on our on-subscribe,
 * ended on our on-unsubscribe, both waited for with a deadline. Notifications arrive on our
 * `/registry/notify` and are stored as transactions (transactions.ts).
 */
import type { DciClient } from '../../adapters/dci/client';
import { unavailable } from '../../adapters/dci/client/failures';
import { badInput } from '../errors';
import { text } from '../registry/input';
import type { RegistryModels } from '../store/models';
import type { SocialRegistrySubscriptionDoc } from '../store/models/socialRegistry';
import { ConditionInput, subscribeCriteria } from './criteria';

const CONFIRM_TIMEOUT_MS = 30_000;
const MAX_CODES = 50;

/** Subscribes to one event type; returns the subscriptions the registry confirmed. */
export async function subscribe(models: RegistryModels, client: DciClient, eventType: string, filter: ConditionInput[] | null | undefined, now: Date): Promise<SocialRegistrySubscriptionDoc[]> {
  const criteria = subscribeCriteria(eventType, filter, now.toISOString().slice(0, 10));
  const [answer] = await client.subscribe([criteria], { timeoutMs: CONFIRM_TIMEOUT_MS });
  const confirmed = answer?.status === 'succ' ? (answer.subscriptions ?? []) : [];
  if (confirmed.length === 0) throw unavailable(client.source.name, 'SUBSCRIBE_REJECTED', 'the registry refused the subscription', { partnerCode: answer?.status_reason_code });
  const dataSource = client.source.name;
  for (const info of confirmed) {
    await models.SocialRegistrySubscription.updateOne(
      { dataSource, code: info.code },
      { $setOnInsert: { eventType, filter: JSON.stringify(criteria.filter), status: 'active', subscribedAt: now } },
      { upsert: true },
    );
  }
  return models.SocialRegistrySubscription.find({ dataSource, code: { $in: confirmed.map((i) => i.code) } }).lean();
}

/**
 * Ends subscriptions the registry confirmed to us. Codes we do not hold there are refused before
 * anything is sent; codes the registry says it does not know are ended here too (nothing will come).
 */
export async function unsubscribe(models: RegistryModels, client: DciClient, rawCodes: string[], now: Date): Promise<SocialRegistrySubscriptionDoc[]> {
  if (rawCodes.length === 0 || rawCodes.length > MAX_CODES) throw badInput('subscriptionCodes', `must hold 1 to ${MAX_CODES} codes`);
  const codes = [...new Set(rawCodes.map((c, i) => text(`subscriptionCodes[${i}]`, c, { required: true, max: 99 })!))];
  const dataSource = client.source.name;
  const held = await models.SocialRegistrySubscription.find({ dataSource, code: { $in: codes }, status: 'active' }, { code: 1 }).lean();
  const unknown = codes.filter((c) => !held.some((h) => h.code === c));
  if (unknown.length > 0) throw badInput('subscriptionCodes', `no active subscription at ${dataSource} has code ${unknown.join(', ')}`);
  const answer = await client.unsubscribe(codes, { timeoutMs: CONFIRM_TIMEOUT_MS });
  const ended = (answer.subscription_status ?? []).filter((s) => s.status === 'unsubscribe').map((s) => s.code);
  const gone = answer.status === 'rjct' && answer.status_reason_code === 'rjct.subscription_code.invalid';
  if (answer.status !== 'succ' && !gone && ended.length === 0) {
    throw unavailable(dataSource, 'UNSUBSCRIBE_REJECTED', 'the registry refused to end the subscriptions', { partnerCode: answer.status_reason_code });
  }
  // A code the registry no longer knows sends nothing more: it ends here as well.
  const toEnd = gone ? codes : ended.filter((c) => codes.includes(c));
  await models.SocialRegistrySubscription.updateMany({ dataSource, code: { $in: toEnd }, status: 'active' }, { $set: { status: 'ended', endedAt: now } });
  return models.SocialRegistrySubscription.find({ dataSource, code: { $in: codes } }).lean();
}

export async function listSubscriptions(models: RegistryModels, dataSource?: string | null): Promise<SocialRegistrySubscriptionDoc[]> {
  return models.SocialRegistrySubscription.find(dataSource ? { dataSource } : {}).sort({ subscribedAt: 1, _id: 1 }).lean();
}
