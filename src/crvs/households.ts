/**
 * The household step of a birth import: a child whose mother the registry knows (female, of a
 * plausible age at the birth, alive) joins her current household as `child`; a mother without one
 * gets a new household with her as `head`. Anything else goes to review. One household per mother
 * is claimed through a unique insert (crvs_households) before the group is written.
 */
import { Types } from 'mongoose';
import { insertNew } from '../registry/bulkCreate';
import { creationEvent, memberAddedEvent, outboxEntry } from '../registry/events';
import { newGroup } from '../registry/groups';
import { newMembership } from '../registry/memberships';
import { bumpVersion } from '../registry/registrant';
import { ageOn } from '../graphql/resolvers/types';
import type { IndividualDoc } from '../store/models/individual';
import { asGroup, asMember, CurrentMember, MembershipDoc } from '../store/models/membership';
import { eachLimited, ONE_REPLY } from './bulk';
import type { ApplyContext } from './births';
import type { BirthRecord } from './records';
import type { NewReviewItem } from './review';

export interface ChildOfMother {
  child: Types.ObjectId;
  isNew: boolean;
  record: BirthRecord;
  /** The registrant holding the mother's identifier; absent when the registry does not know her. */
  mother?: IndividualDoc;
}

const MOTHER_AGE = { min: 12, max: 60 };
/** Groups another writer holds are moved one by one, a few at a time. */
const GROUP_WRITERS = 4;

function implausible(mother: IndividualDoc, birthDate: Date): string | undefined {
  if (mother.sex !== 'female') return 'the registrant named as mother is not recorded as female';
  if (!mother.birthDate) return 'the mother has no birth date to check her age against';
  const age = ageOn(mother.birthDate, birthDate);
  if (age < MOTHER_AGE.min || age > MOTHER_AGE.max) return `the mother would have been ${age} at the birth`;
  if (mother.status === 'deceased') return 'the mother is recorded as deceased';
  return undefined;
}

const review = (c: ChildOfMother, reason: NewReviewItem['reason'], detail: string, individuals: Types.ObjectId[]): NewReviewItem => ({
  kind: 'birth', reason, detail, sourceKey: `${c.record.brn}:${c.record.digest}`, record: c.record.raw, individuals,
});

/** Places the children; returns how many already-registered children it placed. */
export async function linkHouseholds(ctx: ApplyContext, children: ChildOfMother[], reviews: NewReviewItem[]): Promise<{ existingChildrenLinked: number }> {
  const { models, now } = ctx;
  const placeable: (ChildOfMother & { mother: IndividualDoc })[] = [];
  for (const c of children) {
    if (!c.mother) reviews.push(review(c, 'MOTHER_NOT_FOUND', `no registrant holds the mother's ${c.record.mother!.type}`, [c.child]));
    else {
      const problem = implausible(c.mother, c.record.birthDate);
      if (problem) reviews.push(review(c, 'MOTHER_IMPLAUSIBLE', problem, [c.child, c.mother._id]));
      else placeable.push(c as ChildOfMother & { mother: IndividualDoc });
    }
  }
  if (placeable.length === 0) return { existingChildrenLinked: 0 };

  const people = [...new Set(placeable.flatMap((c) => [`${c.mother._id}`, ...(c.isNew ? [] : [`${c.child}`])]))].map((id) => new Types.ObjectId(id));
  const current = (await models.Individual.find({ _id: { $in: people } }, { groups: 1 }).batchSize(ONE_REPLY).lean())
    .flatMap((p) => p.groups.map((g) => ({ group: g.group, individual: p._id })));
  const placed = new Set(current.map((m) => `${m.individual}`));
  const todo = placeable.filter((c) => c.isNew || !placed.has(`${c.child}`));
  if (todo.length === 0) return { existingChildrenLinked: 0 };

  const groupIds = [...new Set(current.map((m) => `${m.group}`))].map((id) => new Types.ObjectId(id));
  const households = new Set((await (groupIds.length ? models.Group.find({ _id: { $in: groupIds }, kind: 'household' }, { _id: 1 }).batchSize(ONE_REPLY).lean() : [])).map((g) => `${g._id}`));
  const householdOf = new Map<string, Types.ObjectId>();
  for (const m of current) if (households.has(`${m.group}`) && !householdOf.has(`${m.individual}`)) householdOf.set(`${m.individual}`, m.group);

  // Mothers without a household: claim one each (a stopped run left the claim; its group is completed below).
  const homeless = [...new Set(todo.map((c) => `${c.mother._id}`).filter((id) => !householdOf.has(id)))].map((id) => new Types.ObjectId(id));
  await insertNew(models.CrvsHousehold, homeless.map((_id) => ({ _id, group: new Types.ObjectId(), at: now })));
  const claims = homeless.length ? await models.CrvsHousehold.find({ _id: { $in: homeless } }).batchSize(ONE_REPLY).lean() : [];
  const claimed = new Map(claims.map((c) => [`${c._id}`, c.group]));
  const existing = new Set((await (claims.length ? models.Group.find({ _id: { $in: claims.map((c) => c.group) } }, { _id: 1 }).batchSize(ONE_REPLY).lean() : [])).map((g) => `${g._id}`));

  const groups: ({ _id: Types.ObjectId } & ReturnType<typeof newGroup>)[] = [];
  const memberships: ReturnType<typeof newMembership>[] = [];
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  for (const mother of homeless) {
    const group = claimed.get(`${mother}`)!;
    const doc = todo.find((c) => `${c.mother._id}` === `${mother}`)!.mother;
    if (!existing.has(`${group}`)) groups.push({ _id: group, ...newGroup({ kind: 'household', name: `${doc.name.family} household`, address: doc.addresses[0] }, now) });
    memberships.push(newMembership(group, mother, 'head', today));
    householdOf.set(`${mother}`, group);
  }
  for (const c of todo) memberships.push(newMembership(householdOf.get(`${c.mother._id}`)!, c.child, 'child', today));

  const newGroups = await insertNew(models.Group, groups);
  // The unique slots skip a head or child already placed by an earlier, stopped run.
  const added = await insertNew(models.Membership, memberships);
  await insertNew(models.Outbox, [
    ...newGroups.map(({ _id }) => outboxEntry(...creationEvent('group', _id, now))),
    ...added.map((m) => outboxEntry(...memberAddedEvent(m, now))),
  ]);
  // Every household planned into, not only those added to now: a stopped run may have left one behind.
  await refreshHouseholds(ctx, memberships, added);
  const addedChildren = new Set(added.filter((m) => m.role === 'child').map((m) => `${m.individual}`));
  return { existingChildrenLinked: todo.filter((c) => !c.isNew && addedChildren.has(`${c.child}`)).length };
}

/**
 * The households' current members and sizes, and their new members' current groups, brought in step
 * with the memberships this batch planned, and written where they differ: one bulk write per
 * collection. A planned membership the unique slots refused was stored by an earlier, stopped run:
 * it is read back by its slot (a unique-index lookup; a `$in` on `group` would read every
 * membership once per household on the embedded engine). Group changes are new versions, under
 * version claims taken in bulk, as the registry's versioning rule asks.
 */
async function refreshHouseholds(ctx: ApplyContext, planned: MembershipDoc[], added: MembershipDoc[]): Promise<void> {
  if (planned.length === 0) return;
  const { models, now } = ctx;
  const addedSlots = new Set(added.map((m) => m.memberSlot));
  const earlier: MembershipDoc[] = [];
  await eachLimited(planned.filter((m) => !addedSlots.has(m.memberSlot)), GROUP_WRITERS, async (m) => {
    const stored = await models.Membership.findOne({ memberSlot: m.memberSlot }).lean();
    if (stored) earlier.push(stored);
  });
  const memberships = [...added, ...earlier];
  const groups = [...new Set(planned.map((m) => `${m.group}`))].map((id) => new Types.ObjectId(id));
  const membersOf = new Map<string, CurrentMember[]>();
  const docs = await models.Group.find({ _id: { $in: groups } }, { version: 1, members: 1 }).batchSize(ONE_REPLY).lean();
  for (const g of docs) {
    const mine = memberships.filter((m) => m.group.equals(g._id)).map(asMember);
    const held = new Set(g.members.map((m) => `${m._id}`));
    membersOf.set(`${g._id}`, [...g.members, ...mine.filter((m) => !held.has(`${m._id}`))].sort((a, b) => (`${a._id}` < `${b._id}` ? -1 : 1)));
  }
  const ids = (list: { _id: Types.ObjectId }[]) => list.map((m) => `${m._id}`).join();

  const stale = docs.filter((g) => ids(g.members) !== ids(membersOf.get(`${g._id}`)!));
  const claims = stale.map((g) => ({ _id: `${models.Group.collection.name}:${g._id}:v${g.version + 1}`, at: now, group: g._id, version: g.version }));
  const won = new Set((await insertNew(models.VersionClaim, claims.map(({ _id, at }) => ({ _id, at })))).map((c) => c._id));
  // Holding the claim of version v+1, no other writer can move these groups.
  const writes = claims.filter((c) => won.has(c._id)).map((c) => {
    const members = membersOf.get(`${c.group}`)!;
    return { updateOne: { filter: { _id: c.group, version: c.version }, update: { $set: { members, size: members.length, lastUpdated: now }, $inc: { version: 1 } } } };
  });
  if (writes.length) await models.Group.bulkWrite(writes, { ordered: false });
  // A group another writer is changing right now: take the next version the usual way.
  const busy = claims.filter((c) => !won.has(c._id)).map((c) => c.group);
  await eachLimited(busy, GROUP_WRITERS, (group) =>
    bumpVersion(models, models.Group, group, async () => ({ members: membersOf.get(`${group}`)!, size: membersOf.get(`${group}`)!.length }), now));

  const people = [...new Set(memberships.map((m) => `${m.individual}`))].map((id) => new Types.ObjectId(id));
  const holders = people.length ? await models.Individual.find({ _id: { $in: people } }, { groups: 1 }).batchSize(ONE_REPLY).lean() : [];
  const personWrites = holders.flatMap((p) => {
    const held = new Set(p.groups.map((g) => `${g._id}`));
    const groupsOf = [...p.groups, ...memberships.filter((m) => m.individual.equals(p._id) && !held.has(`${m._id}`)).map(asGroup)];
    return groupsOf.length === p.groups.length ? [] : [{ updateOne: { filter: { _id: p._id }, update: { $set: { groups: groupsOf } } } }];
  });
  if (personWrites.length) await models.Individual.bulkWrite(personWrites, { ordered: false });
}
