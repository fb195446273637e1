/**
 * What resolvers hand to GraphQL types that are not a stored document as it is (codegen mappers in
 * codegen.ts): the generated resolver types take these as their parents and results.
 */
import type { Types } from 'mongoose';
import type { GroupDoc } from '../store/models/group';
import type { IndividualDoc } from '../store/models/individual';
import type { MembershipDoc } from '../store/models/membership';
import type { SocialRegistryTransactionDoc } from '../store/models/socialRegistry';
import type { SocialRegistryImportCounts } from './generated/types';

/** A connection whose total is counted only when the query asks for it (graphql-js calls the function). */
export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: () => Promise<number>;
}

/**
 * A stored membership, or a current one as its group or individual holds it (no uniqueness slots);
 * `individualDoc` when the group's members were read with their individuals in one go.
 */
export type MembershipParent = Omit<MembershipDoc, 'headSlot' | 'memberSlot'> & { individualDoc?: IndividualDoc };

/** An eligible person is loaded only when the query selects the node. */
export interface EligibleIndividualEdgeParent {
  cursor: string;
  id: Types.ObjectId;
}

/** The registrants of an import are loaded only when the query selects them. */
export interface SocialRegistryImportParent {
  transaction: SocialRegistryTransactionDoc;
  counts: SocialRegistryImportCounts;
  individuals: () => Promise<IndividualDoc[]>;
  groups: () => Promise<GroupDoc[]>;
}
