/**
 * The configuration audit: one document per operator action on a partner or a data source (created,
 * updated, disabled, secret rotated), written before the action and settled after it. Kept without
 * end: a few documents per operator action, and a ministry's audit asks for years of them.
 */
import mongoose, { Schema, Types } from 'mongoose';
import { modelOn } from './common';

export const CHANGE_TARGETS = ['partner', 'data_source'] as const;
export type ChangeTarget = (typeof CHANGE_TARGETS)[number];
export const CHANGE_ACTIONS = ['created', 'updated', 'disabled', 'secret_rotated'] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];
/** `pending` until settled: it stays so when the gateway stopped (or lost the engine) between the record and its outcome. */
export const CHANGE_OUTCOMES = ['pending', 'applied', 'refused'] as const;
export type ChangeOutcome = (typeof CHANGE_OUTCOMES)[number];
export const CHANGE_CHANNELS = ['graphql', 'cli', 'demo'] as const;
export type ChangeChannel = (typeof CHANGE_CHANNELS)[number];

export interface ConfigChangeDoc {
  _id: Types.ObjectId;
  target: ChangeTarget;
  /** The partner's sender id or the data source's name, as the operator gave it. */
  name: string;
  action: ChangeAction;
  /** The names of the fields given, never their values (keys, secrets, disclosure levels). */
  fields: string[];
  /** The token's subject over GraphQL, the operating-system user on the CLI. */
  by: string;
  via: ChangeChannel;
  requestId?: string;
  outcome: ChangeOutcome;
  /** The error code of a refused change (BAD_USER_INPUT, NOT_FOUND, CONFLICT…). */
  refusal?: string;
  at: Date;
}

const configChangeSchema = new Schema<ConfigChangeDoc>(
  {
    target: { type: String, required: true, enum: CHANGE_TARGETS },
    // Not `required`: mongoose refuses '' then, and a refused change to the partner '' is on record too.
    name: { type: String, default: '' },
    action: { type: String, required: true, enum: CHANGE_ACTIONS },
    fields: { type: [String], default: [] },
    by: { type: String, required: true },
    via: { type: String, required: true, enum: CHANGE_CHANNELS },
    requestId: String,
    outcome: { type: String, required: true, enum: CHANGE_OUTCOMES },
    refusal: String,
    at: { type: Date, required: true },
  },
  { collection: 'configchanges', versionKey: false },
);
configChangeSchema.index({ target: 1, name: 1, at: -1 });
configChangeSchema.index({ at: -1 });

export const configChangeModel = (c: mongoose.Connection) => modelOn(c, 'ConfigChange', configChangeSchema);
