/** Subscriptions to a CRVS registry's LiveBirth and Death events (SPEC-NOTES 2.5, A.7, A.8). */
import type { DciClient } from '../../adapters/dci/client';
import { unavailable } from '../../adapters/dci/client/failures';
import type { RegistryModels } from '../store/models';
import type { CrvsSubscriptionDoc } from '../store/models/crvsSubscription';
import type { CrvsEvent } from './search';

const EVENTS: CrvsEvent[] = ['LiveBirth', 'Death'];
const CONFIRM_TIMEOUT_MS = 30_000;

/** Subscribes to the events not subscribed yet at this data source; returns every subscription held there. */
export async function subscribeCrvsEvents(models: RegistryModels, client: DciClient, now: Date): Promise<CrvsSubscriptionDoc[]> {
  const dataSource = client.source.name;
  const held = await models.CrvsSubscription.find({ dataSource }).lean();
  const missing = EVENTS.filter((event) => !held.some((s) => s.event === event));
  if (missing.length > 0) {
    // Events registered from today on; what happened before is what the range imports are for.
    const from = now.toISOString().slice(0, 10);
    const answers = await client.subscribe(
      missing.map((event) => ({
        reg_type: 'ns:org:RegistryType:Civil',
        reg_event_type: `spdci-common:RegistryEventType:${event}`,
        filter_type: 'predicate',
        filter: [{ seq_num: 1, expression1: { attribute_name: 'registration_date', operator: 'ge', attribute_value: from } }],
        notify_record_type: 'spdci-extensions-dci:Person',
      })),
      { timeoutMs: CONFIRM_TIMEOUT_MS },
    );
    const confirmed = answers.flatMap((a) => (a.status === 'succ' ? (a.subscriptions ?? []) : []));
    if (confirmed.length < missing.length) throw unavailable(dataSource, 'SUBSCRIBE_REJECTED', 'the registry refused a subscription', { partnerCode: answers.find((a) => a.status !== 'succ')?.status_reason_code });
    for (const info of confirmed) {
      const event = EVENTS.find((e) => info.reg_event_type?.endsWith(`:${e}`)) ?? missing[confirmed.indexOf(info)];
      await models.CrvsSubscription.updateOne({ _id: info.code }, { $setOnInsert: { dataSource, event, subscribedAt: now } }, { upsert: true });
    }
  }
  return models.CrvsSubscription.find({ dataSource }).sort({ subscribedAt: 1 }).lean();
}
