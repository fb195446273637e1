import mongoose, { Schema, Types } from 'mongoose';
import { modelOn } from './common';

export const REGISTRY_EVENT_TYPES = [
  'created',
  'updated',
  'deceased',
  'member_added',
  'member_removed',
  'identifier_added',
  'identifier_removed',
] as const;
export type RegistryEventType = (typeof REGISTRY_EVENT_TYPES)[number];

/**
 * One registry change, for subscribers and indicator invalidation. The key is derived from the
 * change (entity, version or sub-entity), so writing an event twice is harmless; `seq` gives the
 * order readers follow.
 */
export interface OutboxEventDoc {
  _id: string;
  seq: Types.ObjectId;
  type: RegistryEventType;
  registrantKind: 'individual' | 'group';
  registrantId: Types.ObjectId;
  /** Ids of related records (group, individual, identifier type): never personal data. */
  data: Record<string, unknown>;
  at: Date;
}

const outboxSchema = new Schema<OutboxEventDoc>(
  {
    _id: { type: String, required: true },
    seq: { type: Schema.Types.ObjectId, required: true },
    type: { type: String, enum: REGISTRY_EVENT_TYPES, required: true },
    registrantKind: { type: String, required: true },
    registrantId: { type: Schema.Types.ObjectId, required: true },
    data: { type: Schema.Types.Mixed, default: {} },
    at: { type: Date, required: true },
  },
  { collection: 'outbox', versionKey: false, minimize: false },
);
outboxSchema.index({ seq: 1 });
outboxSchema.index({ registrantId: 1, seq: 1 });

export const outboxModel = (c: mongoose.Connection) => modelOn(c, 'OutboxEvent', outboxSchema);
