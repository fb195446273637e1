/**
 * The configuration audit: who created, changed, disabled a partner or a data source or rotated a
 * partner's secret, when, through which door, which fields (never their values), and whether it
 * took. Partners decide who receives personal data and data sources where our credentials go, so an
 * audit of the disclosures needs this beside it. Every operator door records (GraphQL, the console
 * through GraphQL, the CLI, the demo's start). The record is written before the change, so a change
 * that cannot be recorded is not made, and settled after it; one the gateway could not settle stays
 * `pending`. Operators read it through GraphQL and `dci-gateway audit changes`.
 */
import os from 'node:os';
import type { FilterQuery, Model } from 'mongoose';
import { GatewayError, type ErrorCode } from '../errors';
import type { Logger } from '../log';
import { currentRequestId } from '../requestScope';
import { atWithin, newestFirst, oldestFirst, type NewestPage, type TimeRange } from './byTime';
import type { ChangeAction, ChangeChannel, ChangeTarget, ConfigChangeDoc } from '../store/models/configChange';

export interface ConfigChangeModels {
  ConfigChange: Model<ConfigChangeDoc>;
}

/** Who acts, and through which door. */
export interface Actor {
  by: string;
  via: ChangeChannel;
}

/** The operating-system user running the CLI; `os.userInfo` throws for a uid without a name (some containers). */
export function cliActor(): Actor {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    user = `uid ${process.getuid?.() ?? 'unknown'}`;
  }
  return { by: user, via: 'cli' };
}

export const DEMO_ACTOR: Actor = { by: 'demo start', via: 'demo' };

export interface Change {
  target: ChangeTarget;
  /** The partner's sender id or the data source's name. */
  name: string;
  action: ChangeAction;
  /** The input given, of which only the names of the fields set (null included: it removes) are kept. */
  input?: object;
}

/** The names of the fields an input gives, sorted (each door orders its input its own way), for records and logs that must not hold the values. */
export const givenFields = (input: object): string[] =>
  Object.entries(input)
    .flatMap(([field, value]) => (value === undefined ? [] : [field]))
    .sort();

/** Errors raised before anything is written: the change was refused, not lost half-way. */
const REFUSALS: ReadonlySet<ErrorCode> = new Set(['BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT']);

/** Log lines as before this record existed: `partner updated`, `data source created`, `partner client secret rotated`. */
const logMessage = (change: Change) =>
  `${change.target === 'partner' ? 'partner' : 'data source'} ${change.action === 'secret_rotated' ? 'client secret rotated' : change.action}`;
const LOG_KEYS: Record<ChangeTarget, string> = { partner: 'senderId', data_source: 'dataSource' };

/**
 * Records the change, makes it with `work`, settles the record as applied or refused, and logs it.
 * An error of `work` other than a refusal (the engine lost mid-write) leaves the record pending: the
 * change may or may not have landed.
 */
export async function recordChange<T>(deps: { models: ConfigChangeModels; log: Logger }, actor: Actor, change: Change, work: () => Promise<T>): Promise<T> {
  const fields = change.input ? givenFields(change.input) : [];
  const requestId = currentRequestId();
  const record = await deps.models.ConfigChange.create({
    target: change.target,
    name: change.name,
    action: change.action,
    fields,
    by: actor.by,
    via: actor.via,
    ...(requestId !== undefined && { requestId }),
    outcome: 'pending',
    at: new Date(),
  });
  const settle = async (outcome: 'applied' | 'refused', refusal?: string) => {
    try {
      await deps.models.ConfigChange.updateOne({ _id: record._id }, { $set: { outcome, ...(refusal && { refusal }) } });
    } catch (error) {
      deps.log.warn({ change: `${record._id}`, outcome, err: error }, 'configuration change not settled: its record stays pending');
    }
  };
  let result: T;
  try {
    result = await work();
  } catch (error) {
    if (error instanceof GatewayError && REFUSALS.has(error.code)) await settle('refused', error.code);
    throw error;
  }
  await settle('applied');
  deps.log.info({ [LOG_KEYS[change.target]]: change.name, fields, by: actor.by, via: actor.via }, logMessage(change));
  return result;
}

export interface ConfigChangeFilter extends TimeRange {
  target?: ChangeTarget | null;
  /** A sender id or a data source name. */
  name?: string | null;
}

function changeQuery(filter: ConfigChangeFilter): FilterQuery<ConfigChangeDoc> {
  return {
    ...(filter.target != null && { target: filter.target }),
    ...(filter.name != null && { name: filter.name }),
    ...atWithin(filter, 'filter'),
  };
}

/** A page of the newest changes matching the filter. */
export const listConfigChanges = (models: ConfigChangeModels, filter: ConfigChangeFilter, page: NewestPage) => newestFirst(models.ConfigChange, changeQuery(filter), page);

/** Every change matching the filter, oldest first (the CLI). */
export const eachConfigChange = (models: ConfigChangeModels, filter: ConfigChangeFilter) => oldestFirst(models.ConfigChange, changeQuery(filter));

/** A change as operators see it: the id as a string, absent parts as null. */
export function configChangeView(doc: ConfigChangeDoc) {
  return {
    id: `${doc._id}`,
    target: doc.target,
    name: doc.name,
    action: doc.action,
    fields: doc.fields,
    by: doc.by,
    via: doc.via,
    requestId: doc.requestId ?? null,
    outcome: doc.outcome,
    refusal: doc.refusal ?? null,
    at: doc.at,
  };
}
