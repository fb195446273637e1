import mongoose, { Schema, Types } from 'mongoose';
import { modelOn } from './common';

export const MEMBER_ROLES = ['head', 'spouse', 'child', 'parent', 'other'] as const;

export interface MembershipDoc {
  _id: Types.ObjectId;
  group: Types.ObjectId;
  individual: Types.ObjectId;
  role: (typeof MEMBER_ROLES)[number];
  startDate: Date;
  endDate?: Date;
  /**
   * Uniqueness slots. Without partial indexes (FerretDB 1.x has none) a current-only constraint is
   * a unique index over a field that holds the constrained key while the membership is current and
   * the membership's own id once it ends: `headSlot` allows one current head per group,
   * `memberSlot` one current membership per individual and group.
   */
  headSlot: string;
  memberSlot: string;
}

const membershipSchema = new Schema<MembershipDoc>(
  {
    group: { type: Schema.Types.ObjectId, required: true },
    individual: { type: Schema.Types.ObjectId, required: true },
    role: { type: String, enum: MEMBER_ROLES, required: true },
    startDate: { type: Date, required: true },
    endDate: Date,
    headSlot: { type: String, required: true },
    memberSlot: { type: String, required: true },
  },
  { collection: 'memberships', versionKey: false },
);
membershipSchema.index({ group: 1, endDate: 1 });
membershipSchema.index({ individual: 1, endDate: 1 });
membershipSchema.index({ headSlot: 1 }, { unique: true });
membershipSchema.index({ memberSlot: 1 }, { unique: true });

export const membershipModel = (c: mongoose.Connection) => modelOn(c, 'Membership', membershipSchema);

export const headSlot = (m: { _id: Types.ObjectId; group: Types.ObjectId; role: string; endDate?: Date | null }) =>
  m.role === 'head' && !m.endDate ? `head:${m.group}` : `ended:${m._id}`;
export const memberSlot = (m: { _id: Types.ObjectId; group: Types.ObjectId; individual: Types.ObjectId; endDate?: Date | null }) =>
  !m.endDate ? `member:${m.group}:${m.individual}` : `ended:${m._id}`;
