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

/** A current membership as its group holds it (Group.members reads no other collection). */
export type CurrentMember = Pick<MembershipDoc, '_id' | 'individual' | 'role' | 'startDate'>;
/** A current membership as its individual holds it (Individual.groups reads no other collection). */
export type CurrentGroup = Pick<MembershipDoc, '_id' | 'group' | 'role' | 'startDate'>;

const role = { type: String, enum: MEMBER_ROLES, required: true };
export const currentMemberSchema = new Schema<CurrentMember>(
  { individual: { type: Schema.Types.ObjectId, required: true }, role, startDate: { type: Date, required: true } },
  { versionKey: false },
);
export const currentGroupSchema = new Schema<CurrentGroup>(
  { group: { type: Schema.Types.ObjectId, required: true }, role, startDate: { type: Date, required: true } },
  { versionKey: false },
);

export const asMember = (m: Pick<MembershipDoc, '_id' | 'individual' | 'role' | 'startDate'>): CurrentMember =>
  ({ _id: m._id, individual: m.individual, role: m.role, startDate: m.startDate });
export const asGroup = (m: Pick<MembershipDoc, '_id' | 'group' | 'role' | 'startDate'>): CurrentGroup =>
  ({ _id: m._id, group: m.group, role: m.role, startDate: m.startDate });

export const membershipModel = (c: mongoose.Connection) => modelOn(c, 'Membership', membershipSchema);

export const headSlot = (m: { _id: Types.ObjectId; group: Types.ObjectId; role: string; endDate?: Date | null }) =>
  m.role === 'head' && !m.endDate ? `head:${m.group}` : `ended:${m._id}`;
export const memberSlot = (m: { _id: Types.ObjectId; group: Types.ObjectId; individual: Types.ObjectId; endDate?: Date | null }) =>
  !m.endDate ? `member:${m.group}:${m.individual}` : `ended:${m._id}`;
