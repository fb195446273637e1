/**
 * Programmes and their eligibility rules. The programme document holds the current version; every
 * version ever saved is its own document in program_versions, whose `_id` (`<programme>:v<n>`) is
 * also the claim that lets exactly one writer produce version n on every engine. Each evaluation
 * leaves a record: which rule version, when, over which population, with what counts.
 */
import mongoose, { Schema, Types } from 'mongoose';
import { modelOn } from './common';

export interface ProgramDoc {
  _id: Types.ObjectId;
  /** Unique, as written (trimmed): the CLI finds programmes by name. */
  name: string;
  /** The current rule, in CEL. */
  rule: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const programSchema = new Schema<ProgramDoc>(
  {
    name: { type: String, required: true },
    rule: { type: String, required: true },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'programs', versionKey: false },
);
programSchema.index({ name: 1 }, { unique: true });

export interface ProgramVersionDoc {
  /** `<programme id>:v<version>`. */
  _id: string;
  program: Types.ObjectId;
  version: number;
  name: string;
  rule: string;
  savedAt: Date;
  /** The subject of the token that saved it. */
  savedBy?: string;
}

const versionSchema = new Schema<ProgramVersionDoc>(
  {
    _id: { type: String, required: true },
    program: { type: Schema.Types.ObjectId, required: true },
    version: { type: Number, required: true },
    name: { type: String, required: true },
    rule: { type: String, required: true },
    savedAt: { type: Date, required: true },
    savedBy: String,
  },
  { collection: 'program_versions', versionKey: false },
);

export const EVALUATION_STRATEGIES = ['database', 'node'] as const;
export type EvaluationStrategy = (typeof EVALUATION_STRATEGIES)[number];

export interface EligibilityCounts {
  eligible: number;
  notEligible: number;
  unknown: number;
}

export interface EligibilityEvaluationDoc {
  _id: Types.ObjectId;
  program: Types.ObjectId;
  ruleVersion: number;
  rule: string;
  /** The population: the filter as given (area code), null for the whole registry. */
  filter: { areaCode?: string } | null;
  population: number;
  counts: EligibilityCounts;
  /** Where the rule ran: compiled into a database query, or in the gateway over values read in batches. */
  strategy: EvaluationStrategy;
  at: Date;
  durationMs: number;
  /** The subject of the token that asked. */
  by?: string;
}

const evaluationSchema = new Schema<EligibilityEvaluationDoc>(
  {
    program: { type: Schema.Types.ObjectId, required: true },
    ruleVersion: { type: Number, required: true },
    rule: { type: String, required: true },
    filter: { type: { areaCode: String }, default: null, _id: false },
    population: { type: Number, required: true },
    counts: { eligible: { type: Number, required: true }, notEligible: { type: Number, required: true }, unknown: { type: Number, required: true } },
    strategy: { type: String, enum: EVALUATION_STRATEGIES, required: true },
    at: { type: Date, required: true },
    durationMs: { type: Number, required: true },
    by: String,
  },
  { collection: 'eligibility_evaluations', versionKey: false },
);
evaluationSchema.index({ program: 1, at: -1 });

export function programModels(c: mongoose.Connection) {
  return {
    Program: modelOn(c, 'Program', programSchema),
    ProgramVersion: modelOn(c, 'ProgramVersion', versionSchema),
    EligibilityEvaluation: modelOn(c, 'EligibilityEvaluation', evaluationSchema),
  };
}
