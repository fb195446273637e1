import mongoose, { Schema, Types } from 'mongoose';
import { modelOn } from './common';

export const CIVIL_EVENT_KINDS = ['birth', 'death'] as const;
export type CivilEventKind = (typeof CIVIL_EVENT_KINDS)[number];

/**
 * A vital event learnt from a CRVS registry. `_id` is the event's source key (`death:<DRN>`,
 * `birth:<BRN>`), so a re-delivered notification or a search that meets it again adds nothing.
 */
export interface CivilEventDoc {
  _id: string;
  kind: CivilEventKind;
  /** The registration number of the event (BRN, DRN). */
  registrationType: string;
  registrationNumber: string;
  /** The day of the birth or death. */
  date: Date;
  dataSource: string;
  via: 'search' | 'notify';
  /** Set once the event is applied to a registrant; absent while it waits in review. */
  individual?: Types.ObjectId;
  receivedAt: Date;
}

const schema = new Schema<CivilEventDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: CIVIL_EVENT_KINDS, required: true },
    registrationType: { type: String, required: true },
    registrationNumber: { type: String, required: true },
    date: { type: Date, required: true },
    dataSource: { type: String, required: true },
    via: { type: String, enum: ['search', 'notify'], required: true },
    individual: Schema.Types.ObjectId,
    receivedAt: { type: Date, required: true },
  },
  { collection: 'crvs_civil_events', versionKey: false },
);
schema.index({ individual: 1, date: 1 });

export const civilEventModel = (c: mongoose.Connection) => modelOn(c, 'CrvsCivilEvent', schema);
