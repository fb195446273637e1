/** Field resolvers of the registry types: ids, derived values and nested objects through loaders. */
import { identifiersOf } from '../../registry/identifiers';
import type { GroupDoc } from '../../store/models/group';
import type { IndividualDoc } from '../../store/models/individual';
import type { Resolvers } from '../generated/types';
import type { Context } from '../context';
import { required } from '../loaders';
import type { MembershipParent } from '../parents';
import { selectsField } from '../selection';

const id = (doc: { _id: unknown }) => `${doc._id}`;

/**
 * A group's members with their individuals, read through the same loader (one query for the whole
 * page): each member's `individual` then resolves without promises of its own, of which the
 * dashboard (about 200 members a page) made several per member. A member whose individual did not
 * load keeps the loader path, and its error.
 */
async function withIndividuals(members: MembershipParent[], ctx: Context): Promise<MembershipParent[]> {
  const individuals = await ctx.loaders.individual.loadMany(members.map((m) => `${m.individual}`));
  return members.map((m, i) => {
    const individual = individuals[i];
    return individual && !(individual instanceof Error) ? { ...m, individualDoc: individual } : m;
  });
}

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
    members: (doc, args, ctx, info) => {
      if (args.includeEnded) return ctx.loaders.allMembersOfGroup.load(id(doc));
      const members = doc.members.map((m) => ({ ...m, group: doc._id }));
      return selectsField(info, 'individual') ? withIndividuals(members, ctx) : members;
    },
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
    individual: (doc, _, ctx) =>
      doc.individualDoc ?? required(ctx.loaders.individual.load(`${doc.individual}`), `individual ${doc.individual} of membership ${doc._id}`),
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
