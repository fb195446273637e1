/**
 * Memberships link individuals to groups with a role; a group has at most one current head. The
 * memberships collection keeps every membership, ended ones too, and its unique slots; the current
 * ones are also held by their group (`members`) and their individual (`groups`), re-derived from the
 * collection after each change. Written in that order (membership first), so a change a stopped
 * writer left half-done is mended by the next change of that group or person, or by retrying it.
 */
import { Types } from 'mongoose';
import { badInput, conflict, notFound } from '../errors';
import { isDuplicateKey } from '../store/duplicateKey';
import type { RegistryModels } from '../store/models';
import { asGroup, asMember, headSlot, MEMBER_ROLES, memberSlot, MembershipDoc } from '../store/models/membership';
import { appendEvent, memberAddedEvent } from './events';
import { objectId, oneOf, pastDate } from './input';
import { bumpVersion } from './registrant';
import { claimWrite } from './writeClaim';

/** A current membership from `startDate`, with the slots that keep it unique. */
export function newMembership(group: Types.ObjectId, individual: Types.ObjectId, role: MembershipDoc['role'], startDate: Date, _id = new Types.ObjectId()) {
  const base = { _id, group, individual, role, startDate };
  return { ...base, headSlot: headSlot(base), memberSlot: memberSlot(base) };
}

export async function addMember(
  models: RegistryModels,
  input: { groupId: string; individualId: string; role: string; startDate?: Date | null },
  now: Date,
): Promise<MembershipDoc> {
  const group = objectId('groupId', input.groupId);
  const individual = objectId('individualId', input.individualId);
  const role = oneOf('role', input.role, MEMBER_ROLES);
  // Dates are calendar days (UTC midnight), so a membership may start and end on the same day.
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const startDate = pastDate('startDate', input.startDate, now) ?? today;
  if (!(await models.Group.exists({ _id: group }))) throw notFound('group');
  const person = await models.Individual.findById(individual, { status: 1, birthDate: 1 }).lean();
  if (!person) throw notFound('individual');
  if (person.status === 'deceased') throw conflict('DECEASED', 'a deceased individual cannot join a group');
  if (person.birthDate && startDate < person.birthDate) throw badInput('startDate', "is before the individual's birth date");

  const membership = newMembership(group, individual, role, startDate);
  try {
    await models.Membership.create(membership);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    await mend(models, group, individual, now);
    // Engines differ in what they say about the violated index: ask which slot is taken.
    if (role === 'head' && (await models.Membership.exists({ headSlot: membership.headSlot }))) {
      throw conflict('SECOND_HEAD', 'the group already has a current head; end that membership first');
    }
    throw conflict('ALREADY_MEMBER', 'the individual is already a current member of the group');
  }
  await refreshGroup(models, group, now);
  await refreshIndividual(models, individual);
  await appendEvent(models, ...memberAddedEvent(membership, now));
  return (await models.Membership.findById(membership._id).lean())!;
}

export async function endMembership(models: RegistryModels, rawId: string, endDate: Date | null | undefined, now: Date): Promise<MembershipDoc> {
  const id = objectId('id', rawId);
  const current = await models.Membership.findById(id).lean();
  if (!current) throw notFound('membership');
  const alreadyEnded = async () => {
    await mend(models, current.group, current.individual, now);
    return conflict('ALREADY_ENDED', 'the membership has already ended');
  };
  if (current.endDate) throw await alreadyEnded();
  const end = pastDate('endDate', endDate, now) ?? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  if (end < current.startDate) throw badInput('endDate', 'is before the start date');
  // Exactly one concurrent caller may end it; a claim left by an ending that stopped is taken over.
  const stillCurrent = async () => Boolean(await models.Membership.exists({ _id: id, endDate: null }));
  if (!(await claimWrite(models, `membership-end:${id}`, stillCurrent, now))) throw await alreadyEnded();
  const ended = { ...current, endDate: end };
  const updated = await models.Membership.findOneAndUpdate(
    { _id: id, endDate: null },
    { $set: { endDate: end, headSlot: headSlot(ended), memberSlot: memberSlot(ended) } },
    { new: true },
  ).lean();
  if (!updated) throw conflict('ALREADY_ENDED', 'the membership has already ended');
  await refreshGroup(models, current.group, now);
  await refreshIndividual(models, current.individual);
  await appendEvent(models, `${id}`, {
    type: 'member_removed', registrantKind: 'group', registrantId: current.group, data: { individualId: `${current.individual}`, role: current.role }, at: now,
  });
  return updated;
}

/** Re-derived rather than pushed: concurrent array updates can be lost on engines without atomic updates. */
async function refreshGroup(models: RegistryModels, group: Types.ObjectId, now: Date): Promise<void> {
  await bumpVersion(models, models.Group, group, async () => {
    const current = await models.Membership.find({ group, endDate: null }).sort({ _id: 1 }).lean();
    return { members: current.map(asMember), size: current.length };
  }, now);
}

const sameIds = (a: { _id: Types.ObjectId }[], b: { _id: Types.ObjectId }[]) => a.map((x) => `${x._id}`).join() === b.map((x) => `${x._id}`).join();

/**
 * Brings the group's and the individual's copies in step with the collection where a writer that
 * stopped in between left them behind. Run before refusing a change as already made, so that
 * retrying a stopped request mends what the stop left; a copy already in step is not rewritten.
 */
async function mend(models: RegistryModels, group: Types.ObjectId, individual: Types.ObjectId, now: Date): Promise<void> {
  const held = await models.Group.findById(group, { members: 1 }).lean();
  if (held && !sameIds(held.members, await models.Membership.find({ group, endDate: null }, { _id: 1 }).sort({ _id: 1 }).lean())) await refreshGroup(models, group, now);
  const person = await models.Individual.findById(individual, { groups: 1 }).lean();
  if (person && !sameIds(person.groups, await models.Membership.find({ individual, endDate: null }, { _id: 1 }).sort({ _id: 1 }).lean())) await refreshIndividual(models, individual);
}

/** A person's memberships belong to the groups' records: they move the group's version, not the person's. */
async function refreshIndividual(models: RegistryModels, individual: Types.ObjectId): Promise<void> {
  const current = await models.Membership.find({ individual, endDate: null }).sort({ _id: 1 }).lean();
  await models.Individual.updateOne({ _id: individual }, { $set: { groups: current.map(asGroup) } });
}
