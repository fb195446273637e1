import mongoose, { Schema } from 'mongoose';
import { modelOn } from './common';

/**
 * A place of the registry's location hierarchy (regions, areas, localities), reached by its code:
 * the code is the `_id`, so uniqueness and lookups need no other index.
 */
export interface LocationDoc {
  _id: string;
  name: string;
  /** The level of the place, e.g. region, area, locality. */
  type: string;
  /** The code of the enclosing place; null at the top. */
  parent: string | null;
  updatedAt: Date;
}

const schema = new Schema<LocationDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    type: { type: String, required: true },
    parent: { type: String, default: null },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'locations', versionKey: false },
);

export const locationModel = (c: mongoose.Connection) => modelOn(c, 'Location', schema);
