/**
 * What registry indicators are computed from, for a batch of people in three reads by `_id`: the
 * people, their current households, and the birth dates of those households' members.
 */
import type { Types } from 'mongoose';
import type { RegistryModels } from '../store/models';
import type { IndividualDoc } from '../store/models/individual';
import type { HouseholdView } from './derivations';

export async function householdViews(models: RegistryModels, people: readonly IndividualDoc[], now: Date): Promise<Map<string, HouseholdView>> {
  const groupIds = people.flatMap((p) => p.groups.map((g) => g.group));
  const groups = groupIds.length ? await models.Group.find({ _id: { $in: groupIds } }, { kind: 1, size: 1, members: 1 }).lean() : [];
  const households = new Map(groups.filter((g) => g.kind === 'household').map((g) => [`${g._id}`, g]));
  const householdOf = (p: IndividualDoc) => p.groups.map((g) => ({ membership: g, group: households.get(`${g.group}`) })).find((h) => h.group);

  const memberIds = new Map<string, Types.ObjectId>();
  for (const p of people) for (const m of householdOf(p)?.group?.members ?? []) memberIds.set(`${m.individual}`, m.individual);
  const members = memberIds.size ? await models.Individual.find({ _id: { $in: [...memberIds.values()] } }, { birthDate: 1 }).lean() : [];
  const birthOf = new Map(members.map((m) => [`${m._id}`, m.birthDate]));

  return new Map(
    people.map((p) => {
      const found = householdOf(p);
      const view: HouseholdView = { person: { birthDate: p.birthDate, deathDate: p.deathDate, status: p.status, now } };
      if (found?.group) {
        const memberBirthDates = found.group.members.map((m) => birthOf.get(`${m.individual}`)).filter((d): d is Date => d instanceof Date);
        view.household = { size: found.group.size, role: found.membership.role, memberBirthDates };
      }
      return [`${p._id}`, view];
    }),
  );
}
