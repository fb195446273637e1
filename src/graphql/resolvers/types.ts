/** Field resolvers of the registry types: ids, derived values and nested objects through loaders. */
import type { Context } from '../context';
import type { GroupDoc } from '../../store/models/group';
import type { IdentifierDoc } from '../../store/models/identifier';
import type { IndividualDoc } from '../../store/models/individual';
import type { MembershipDoc } from '../../store/models/membership';
import { identifiersOf } from '../../registry/identifiers';

const id = (doc: { _id: unknown }) => `${doc._id}`;

export function ageOn(birthDate: Date, on: Date): number {
  let age = on.getUTCFullYear() - birthDate.getUTCFullYear();
  const beforeBirthday =
    on.getUTCMonth() < birthDate.getUTCMonth() ||
    (on.getUTCMonth() === birthDate.getUTCMonth() && on.getUTCDate() < birthDate.getUTCDate());
  if (beforeBirthday) age -= 1;
  return age;
}

export const typeResolvers = {
  Individual: {
    id,
    age: (doc: IndividualDoc, _: unknown, ctx: Context) => (doc.birthDate ? ageOn(doc.birthDate, doc.deathDate ?? ctx.now) : null),
    groups: (doc: IndividualDoc) => doc.groups.map((g) => ({ ...g, individual: doc._id })),
    identifiers: (doc: IndividualDoc) => identifiersOf('individual', doc),
  },
  Group: {
    id,
    members: (doc: GroupDoc, args: { includeEnded?: boolean }, ctx: Context) =>
      args.includeEnded ? ctx.loaders.allMembersOfGroup.load(id(doc)) : doc.members.map((m) => ({ ...m, group: doc._id })),
    head: (doc: GroupDoc, _: unknown, ctx: Context) => {
      const head = doc.members.find((m) => m.role === 'head');
      return head ? ctx.loaders.individual.load(`${head.individual}`) : null;
    },
    identifiers: (doc: GroupDoc) => identifiersOf('group', doc),
  },
  Membership: {
    id,
    current: (doc: MembershipDoc) => !doc.endDate,
    group: (doc: MembershipDoc, _: unknown, ctx: Context) => ctx.loaders.group.load(`${doc.group}`),
    individual: (doc: MembershipDoc, _: unknown, ctx: Context) => ctx.loaders.individual.load(`${doc.individual}`),
  },
  Identifier: {
    id,
    registrant: (doc: IdentifierDoc, _: unknown, ctx: Context) =>
      doc.registrantKind === 'individual' ? ctx.loaders.individual.load(`${doc.registrant}`) : ctx.loaders.group.load(`${doc.registrant}`),
  },
  Registrant: {
    // Individuals carry a sex, groups a kind: enough to tell them apart without a stored tag.
    __resolveType: (doc: IndividualDoc | GroupDoc) => ('sex' in doc ? 'Individual' : 'Group'),
  },
};
