/**
 * CRVS `notify` messages (SPEC-NOTES 2.6, A.9), as the CallbackHub hands them over once their
 * token and signature checked out: births and deaths applied like imported ones. A failure
 * propagates, so the registry's delivery is refused and it delivers again (the apply is idempotent).
 */
import type { ReceivedCallback } from '../../adapters/dci/server/callbackHub';
import type { Logger } from '../log';
import type { RegistryModels } from '../store/models';
import { applyBirths } from './births';
import { applyDeaths } from './deaths';
import { recordsOf } from './records';

interface NotifyEvent {
  data?: { reg_event_type?: string; reg_records?: unknown };
}

export function crvsNotifyListener(models: RegistryModels, log: Logger) {
  return async (callback: ReceivedCallback): Promise<void> => {
    // Notifications of other registries are other flows' business.
    const source = await models.DataSource.findOne({ kind: 'crvs', status: 'active', receiverId: callback.senderId }, { name: 1 }).lean();
    if (!source) return;
    const events = ((callback.message as { notify_event?: NotifyEvent[] } | undefined)?.notify_event ?? []).filter((e) => e.data);
    const now = new Date();
    const ctx = { models, dataSource: source.name, via: 'notify' as const, now };
    const of = (type: string) => events.filter((e) => e.data!.reg_event_type?.split(':').pop() === type).flatMap((e) => recordsOf(e.data!.reg_records));
    const births = of('LiveBirth');
    const deaths = of('Death');
    const counts = [...(births.length ? [await applyBirths(ctx, births)] : []), ...(deaths.length ? [await applyDeaths(ctx, deaths)] : [])];
    log.info({ dataSource: source.name, transactionId: callback.transactionId, births: births.length, deaths: deaths.length, counts }, 'CRVS notification applied');
  };
}
