/**
 * Registering many individuals and groups at once (demo seeding, civil-registration imports): each
 * checked with the same input rules, stored in the same form and announced by the same outbox event
 * as a single registration, but written with one insertMany per collection. On the embedded engine
 * every filtered write reads the whole collection, so per-record writes do not scale.
 */
import { Types } from 'mongoose';
import type { Model } from 'mongoose';
import { writeFailuresOf } from '../store/duplicateKey';
import type { RegistryModels } from '../store/models';
import type { IdentifierClaimDoc } from '../store/models/identifier';
import { asGroup, MembershipDoc } from '../store/models/membership';
import { creationEvent, outboxEntry } from './events';
import { NewGroupInput, newGroup } from './groups';
import { checkIdentifiers, claimOf, embeddedIdentifier, IdentifierInput } from './identifiers';
import { NewIndividualInput, newIndividual } from './individuals';
import { newMembership } from './memberships';

export interface NewIndividual {
  kind: 'individual';
  _id: Types.ObjectId;
  input: NewIndividualInput;
  /** The first one claims the registrant (see createInBulk); `_id`s, when given, make the ids reproducible. */
  identifiers: (IdentifierInput & { _id?: Types.ObjectId })[];
}

export interface NewGroup {
  kind: 'group';
  _id: Types.ObjectId;
  input: NewGroupInput;
  identifiers: (IdentifierInput & { _id?: Types.ObjectId })[];
  /** Members the group is registered with: part of its creation, so no member_added events. */
  members: { individual: Types.ObjectId; role: MembershipDoc['role']; membership?: Types.ObjectId }[];
}

/** A registrant checked and in its stored form, ready for createInBulk. */
export interface Registration {
  kind: 'individual' | 'group';
  _id: Types.ObjectId;
  doc: { _id: Types.ObjectId; identifiers: ReturnType<typeof embeddedIdentifier>[] };
  claims: IdentifierClaimDoc[];
  memberships: ReturnType<typeof newMembership>[];
}

/** Checks a new registrant with the registry's input rules; throws BAD_USER_INPUT naming the field. */
export function registration(r: NewIndividual | NewGroup, now: Date): Registration {
  const owner = { kind: r.kind, id: r._id };
  const fields = r.kind === 'individual' ? newIndividual(r.input, now) : newGroup(r.input, now, r.members.length);
  const checked = checkIdentifiers(r.identifiers);
  const identifiers = checked.map((i, n) => embeddedIdentifier(i, now, r.identifiers[n]._id));
  const memberships = r.kind === 'group' ? r.members.map((m) => newMembership(r._id, m.individual, m.role, now, m.membership)) : [];
  const members = r.kind === 'group' ? { members: memberships.map(({ _id, individual, role, startDate }) => ({ _id, individual, role, startDate })) } : {};
  return { kind: r.kind, _id: r._id, doc: { _id: r._id, ...fields, ...members, identifiers }, claims: identifiers.map((i) => claimOf(owner, i, now)), memberships };
}
/** Look-ups come back in one reply: each getMore re-reads the collection on the embedded engine. */
const ONE_REPLY = 100_000;

/** Inserts `docs`, skipping those a unique index already holds; returns the ones inserted. */
export async function insertNew<T, D>(model: Model<T>, docs: D[]): Promise<D[]> {
  if (docs.length === 0) return [];
  try {
    await model.insertMany(docs, { ordered: false });
    return docs;
  } catch (error) {
    const failures = writeFailuresOf(error);
    if (!failures?.length || !failures.every((f) => f.duplicate)) throw error;
    const skipped = new Set(failures.map((f) => f.index));
    return docs.filter((_, i) => !skipped.has(i));
  }
}

/**
 * Writes the registrations in the order that keeps a stop anywhere repairable by running them again:
 * claims, then individuals and groups (each holding its identifiers, a group its members, an
 * individual the groups of this batch it joins), then memberships, then the `created` events.
 * Every insert skips what a unique index already holds, so a batch written twice is written once.
 *
 * A registrant whose first identifier is claimed by another registrant is `lost` (someone else
 * registered that person) and not written; any other identifier held by another is left out of
 * the registrant's copy. Returns the registrants this call wrote.
 */
export async function createInBulk(models: RegistryModels, registrations: Registration[], opts: { now: Date }): Promise<{ created: Types.ObjectId[]; lost: Set<string> }> {
  const claims = registrations.flatMap((r) => r.claims);
  const inserted = new Set((await insertNew(models.IdentifierClaim, claims)).map((c) => c._id));
  const skipped = claims.filter((c) => !inserted.has(c._id)).map((c) => c._id);
  const holders = new Map((skipped.length ? await models.IdentifierClaim.find({ _id: { $in: skipped } }, { registrant: 1 }).batchSize(ONE_REPLY).lean() : []).map((c) => [c._id, `${c.registrant}`]));
  const ours = (r: Registration, c: IdentifierClaimDoc) => (holders.get(c._id) ?? `${r._id}`) === `${r._id}`;
  const lost = new Set(registrations.filter((r) => r.claims.length > 0 && !ours(r, r.claims[0])).map((r) => `${r._id}`));
  const kept = registrations.filter((r) => !lost.has(`${r._id}`));

  const groupsOf = new Map<string, ReturnType<typeof asGroup>[]>();
  for (const m of kept.flatMap((r) => r.memberships)) groupsOf.set(`${m.individual}`, [...(groupsOf.get(`${m.individual}`) ?? []), asGroup(m)]);
  const docs = (kind: Registration['kind']) =>
    kept.filter((r) => r.kind === kind).map((r) => {
      const keptIds = new Set(r.claims.filter((c) => ours(r, c)).map((c) => `${c.identifier._id}`));
      const doc = { ...r.doc, identifiers: r.doc.identifiers.filter((i) => keptIds.has(`${i._id}`)) };
      return kind === 'individual' ? { ...doc, groups: groupsOf.get(`${r._id}`) ?? [] } : doc;
    });
  const written = [...(await insertNew(models.Individual, docs('individual'))), ...(await insertNew(models.Group, docs('group')))];
  await insertNew(models.Membership, kept.flatMap((r) => r.memberships));
  await insertNew(models.Outbox, kept.map((r) => outboxEntry(...creationEvent(r.kind, r._id, opts.now))));
  return { created: written.map((d) => d._id), lost };
}
