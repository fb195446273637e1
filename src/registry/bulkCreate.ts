/**
 * Registering many individuals and groups at once (demo seeding, civil-registration imports): each
 * checked with the same input rules, stored in the same form and announced by the same outbox event
 * as a single registration, but written with one insertMany per collection. On the embedded engine
 * every filtered write reads the whole collection, so per-record writes do not scale.
 */
import { Types } from 'mongoose';
import type { Model } from 'mongoose';
import type { RegistryModels } from '../store/models';
import type { MembershipDoc } from '../store/models/membership';
import { creationEvent, outboxEntry } from './events';
import { NewGroupInput, newGroup } from './groups';
import { checkIdentifiers, IdentifierInput, identifierRow } from './identifiers';
import { NewIndividualInput, newIndividual } from './individuals';
import { newMembership } from './memberships';

export interface NewIndividual {
  kind: 'individual';
  _id: Types.ObjectId;
  input: NewIndividualInput;
  /** The first one claims the registrant when duplicates are skipped (see createInBulk). */
  identifiers: IdentifierInput[];
}

export interface NewGroup {
  kind: 'group';
  _id: Types.ObjectId;
  input: NewGroupInput;
  identifiers: IdentifierInput[];
  /** Members the group is registered with: part of its creation, so no member_added events. */
  members: { individual: Types.ObjectId; role: MembershipDoc['role'] }[];
}

/** A registrant checked and in its stored form, ready for createInBulk. */
export interface Registration {
  kind: 'individual' | 'group';
  _id: Types.ObjectId;
  doc: { _id: Types.ObjectId };
  identifiers: ReturnType<typeof identifierRow>[];
  memberships: ReturnType<typeof newMembership>[];
  /** The registrant already holds its first identifier (written by an interrupted run): nothing to claim. */
  claimHeld?: boolean;
}

/** Checks a new registrant with the registry's input rules; throws BAD_USER_INPUT naming the field. */
export function registration(r: NewIndividual | NewGroup, now: Date): Registration {
  const owner = { kind: r.kind, id: r._id };
  const fields = r.kind === 'individual' ? newIndividual(r.input, now) : newGroup(r.input, now, r.members.length);
  const identifiers = checkIdentifiers(r.identifiers).map((i) => identifierRow(owner, i, now));
  const identifierTypes = [...new Set(identifiers.map((i) => i.type))].sort();
  const memberships = r.kind === 'group' ? r.members.map((m) => newMembership(r._id, m.individual, m.role, now)) : [];
  const doc = { _id: r._id, ...fields, identifierTypes };
  return { kind: r.kind, _id: r._id, doc, identifiers, memberships };
}

interface BulkError {
  code?: number;
  writeErrors?: { index: number; code?: number; err?: { index?: number; code?: number } }[];
}

/** Inserts `docs`, skipping those a unique index already holds; returns the ones inserted. */
export async function insertNew<T, D>(model: Model<T>, docs: D[]): Promise<D[]> {
  if (docs.length === 0) return [];
  try {
    await model.insertMany(docs, { ordered: false });
    return docs;
  } catch (error) {
    const writeErrors = (error as BulkError).writeErrors ?? [];
    const failed = writeErrors.map((e) => ({ index: e.index ?? e.err?.index, code: e.code ?? e.err?.code }));
    if (failed.length === 0 || failed.some((f) => f.code !== 11000 || f.index === undefined)) throw error;
    const skipped = new Set(failed.map((f) => f.index));
    return docs.filter((_, i) => !skipped.has(i));
  }
}

async function insertAll<T, D>(model: Model<T>, docs: D[]): Promise<D[]> {
  if (docs.length > 0) await model.insertMany(docs, { ordered: false });
  return docs;
}

/**
 * Writes the registrations: identifiers, then individuals, groups, memberships, and the `created`
 * events of the records written, in the order given.
 *
 * `onDuplicate: 'throw'` is for an empty registry, where a taken identifier is a bug: it stops the
 * batch before any record is written. `'skip'` is for imports that a stopped or concurrent run may
 * have written already: each registrant's first identifier is inserted first and claims it (a
 * registrant whose claim another one won is `lost` and not written), then whatever else is missing.
 */
export async function createInBulk(
  models: RegistryModels,
  registrations: Registration[],
  opts: { now: Date; onDuplicate: 'throw' | 'skip' },
): Promise<{ created: Types.ObjectId[]; lost: Set<string> }> {
  let kept = registrations;
  const lost = new Set<string>();
  if (opts.onDuplicate === 'throw') {
    await models.Identifier.insertMany(registrations.flatMap((r) => r.identifiers), { ordered: true });
  } else {
    const claims = registrations.filter((r) => r.identifiers.length > 0 && !r.claimHeld).map((r) => r.identifiers[0]);
    const won = new Set((await insertNew(models.Identifier, claims)).map((c) => `${c.registrant}`));
    for (const c of claims) if (!won.has(`${c.registrant}`)) lost.add(`${c.registrant}`);
    kept = registrations.filter((r) => !lost.has(`${r._id}`));
    await insertNew(models.Identifier, kept.flatMap((r) => r.identifiers.slice(1)));
  }
  const insert = opts.onDuplicate === 'throw' ? insertAll : insertNew;
  const of = (kind: Registration['kind']) => kept.filter((r) => r.kind === kind).map((r) => r.doc);
  const written = [...(await insert(models.Individual, of('individual'))), ...(await insert(models.Group, of('group')))];
  await insert(models.Membership, kept.flatMap((r) => r.memberships));
  const ids = new Set(written.map((d) => `${d._id}`));
  const created = kept.filter((r) => ids.has(`${r._id}`));
  await insert(models.Outbox, created.map((r) => outboxEntry(...creationEvent(r.kind, r._id, opts.now))));
  return { created: created.map((r) => r._id), lost };
}
