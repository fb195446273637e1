/** Field resolvers of the registry types: ids, derived values and nested objects through loaders. */
import { identifiersOf } from '../../registry/identifiers';
import type { GroupDoc } from '../../store/models/group';
import type { IndividualDoc } from '../../store/models/individual';
import type { Resolvers } from '../generated/types';
import { required } from '../loaders';

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
    age: (doc, _, ctx) => (doc.birthDate ? ageOn(doc.birthDate, doc.deathDate ?? ctx.now) : null),
    groups: (doc) => doc.groups.map((g) => ({ ...g, individual: doc._id })),
    identifiers: (doc) => identifiersOf('individual', doc),
  },
  Group: {
    id,
    members: (doc, args, ctx) =>
      args.includeEnded ? ctx.loaders.allMembersOfGroup.load(id(doc)) : doc.members.map((m) => ({ ...m, group: doc._id })),
    head: (doc, _, ctx) => {
      const head = doc.members.find((m) => m.role === 'head');
      return head ? ctx.loaders.individual.load(`${head.individual}`) : null;
    },
    identifiers: (doc) => identifiersOf('group', doc),
  },
  Membership: {
    id,
    current: (doc) => !doc.endDate,
    group: (doc, _, ctx) => required(ctx.loaders.group.load(`${doc.group}`), `group ${doc.group} of membership ${doc._id}`),
    individual: (doc, _, ctx) => required(ctx.loaders.individual.load(`${doc.individual}`), `individual ${doc.individual} of membership ${doc._id}`),
  },
  Identifier: {
    id,
    registrant: (doc, _, ctx) =>
      required<IndividualDoc | GroupDoc>(
        doc.registrantKind === 'individual' ? ctx.loaders.individual.load(`${doc.registrant}`) : ctx.loaders.group.load(`${doc.registrant}`),
        `${doc.registrantKind} ${doc.registrant} holding identifier ${doc._id}`,
      ),
  },
  Registrant: {
    // Individuals carry a sex, groups a kind: enough to tell them apart without a stored tag.
    __resolveType: (doc) => ('sex' in doc ? 'Individual' : 'Group'),
  },
} satisfies Resolvers;
