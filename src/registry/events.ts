/**
 * Registry events go to the outbox right after the change they announce. Their key is derived from
 * the change, so a retried write never produces a second event.
 */
import { Types } from 'mongoose';
import type { RegistryModels } from '../store/models';
import type { MembershipDoc } from '../store/models/membership';
import type { RegistryEventType } from '../store/models/outbox';

export interface RegistryEvent {
  type: RegistryEventType;
  registrantKind: 'individual' | 'group';
  registrantId: Types.ObjectId;
  data?: Record<string, unknown>;
  at: Date;
}

/** An event and the key, derived from its change, that it is stored under. */
type KeyedEvent = [key: string, event: RegistryEvent];

/** The outbox row of an event, for callers that write many at once. */
export function outboxEntry(key: string, event: RegistryEvent) {
  return { _id: `${event.type}:${key}`, ...event, data: event.data ?? {}, seq: new Types.ObjectId() };
}

export async function appendEvent(models: RegistryModels, key: string, event: RegistryEvent): Promise<void> {
  const { _id, ...entry } = outboxEntry(key, event);
  await models.Outbox.updateOne({ _id }, { $setOnInsert: entry }, { upsert: true });
}

/** A registration: the first version of the record. */
export const creationEvent = (registrantKind: RegistryEvent['registrantKind'], registrantId: Types.ObjectId, at: Date): KeyedEvent => [
  `${registrantId}:v1`,
  { type: 'created', registrantKind, registrantId, at },
];

/** A new membership, announced on its group. */
export const memberAddedEvent = (m: Pick<MembershipDoc, '_id' | 'group' | 'individual' | 'role'>, at: Date): KeyedEvent => [
  `${m._id}`,
  { type: 'member_added', registrantKind: 'group', registrantId: m.group, data: { individualId: `${m.individual}`, role: m.role }, at },
];
