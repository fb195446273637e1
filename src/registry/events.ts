/**
 * Registry events go to the outbox right after the change they announce. Their key is derived from
 * the change, so a retried write never produces a second event.
 */
import { Types } from 'mongoose';
import type { RegistryModels } from '../store/models';
import type { RegistryEventType } from '../store/models/outbox';

export async function appendEvent(
  models: RegistryModels,
  key: string,
  event: { type: RegistryEventType; registrantKind: 'individual' | 'group'; registrantId: Types.ObjectId; data?: Record<string, unknown>; at: Date },
): Promise<void> {
  await models.Outbox.updateOne(
    { _id: `${event.type}:${key}` },
    { $setOnInsert: { ...event, data: event.data ?? {}, seq: new Types.ObjectId() } },
    { upsert: true },
  );
}
