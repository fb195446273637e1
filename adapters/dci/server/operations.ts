/**
 * The GraphQL operations the DCI search adapter runs in process against our schema, and the shape of
 * the nodes they return. The selections carry exactly what the DCI Member and Group records need.
 */
import type { IndicatorNode } from './indicatorAttributes';

const INDIVIDUAL_FIELDS = `
fragment DciIndividual on Individual {
  id
  name { given family middle }
  sex
  birthDate
  deathDate
  status
  addresses { line locality areaCode regionCode country }
  phoneNumbers
  emails
  registrationDate
  lastUpdated
  identifiers { type value }
  indicators(names: $indicators) { name booleanValue numberValue stringValue dateValue }
}`;

export const SEARCH_INDIVIDUALS = `
query DciSearchIndividuals($filter: IndividualFilter, $sort: [IndividualSort!], $first: Int, $offset: Int, $indicators: [String!] = []) {
  individuals(filter: $filter, sort: $sort, first: $first, offset: $offset) {
    totalCount
    edges { node { ...DciIndividual } }
  }
}
${INDIVIDUAL_FIELDS}`;

const GROUP_FIELDS = `
fragment DciGroup on Group {
  id
  kind
  address { line locality areaCode regionCode country }
  povertyScore
  povertyScoreType
  size
  registrationDate
  lastUpdated
  identifiers { type value }
  head { ...DciIndividual }
  members { role individual { ...DciIndividual } }
}`;

export const SEARCH_GROUPS = `
query DciSearchGroups($filter: GroupFilter, $sort: [GroupSort!], $first: Int, $offset: Int, $indicators: [String!] = []) {
  groups(filter: $filter, sort: $sort, first: $first, offset: $offset) {
    totalCount
    edges { node { ...DciGroup } }
  }
}
${GROUP_FIELDS}
${INDIVIDUAL_FIELDS}`;

/** The holders of many identifiers in one registry read, in the order asked; each node says its kind. */
export const IDENTIFIER_LOOKUPS = `
query DciIdentifierLookups($identifiers: [IdentifierMatch!]!, $indicators: [String!] = []) {
  registrantsByIdentifiers(identifiers: $identifiers) {
    __typename
    ... on Individual { ...DciIndividual }
    ... on Group { ...DciGroup }
  }
}
${GROUP_FIELDS}
${INDIVIDUAL_FIELDS}`;

export type Entity = 'individual' | 'group';

export const OPERATION_FOR: Record<Entity, string> = { individual: SEARCH_INDIVIDUALS, group: SEARCH_GROUPS };

export interface AddressNode {
  line: string | null;
  locality: string | null;
  areaCode: string | null;
  regionCode: string | null;
  country: string | null;
}

export interface IdentifierNode {
  type: string;
  value: string;
}

/** Strings may arrive masked (`J***`) and `birthDate` null for partners without PII rights. */
export interface IndividualNode {
  id: string;
  name: { given: string; family: string; middle: string | null };
  sex: string;
  birthDate: string | null;
  deathDate: string | null;
  status: string;
  addresses: AddressNode[];
  phoneNumbers: string[];
  emails: string[];
  registrationDate: string;
  lastUpdated: string;
  identifiers: IdentifierNode[];
  /** The partner-visible indicators on the partner's allowlist ($indicators). */
  indicators?: IndicatorNode[];
}

export type RegistrantNode = (IndividualNode & { __typename: 'Individual' }) | (GroupNode & { __typename: 'Group' });

export interface GroupNode {
  id: string;
  kind: string;
  address: AddressNode | null;
  povertyScore: number | null;
  povertyScoreType: string | null;
  size: number;
  registrationDate: string;
  lastUpdated: string;
  identifiers: IdentifierNode[];
  head: IndividualNode | null;
  members: { role: string; individual: IndividualNode }[];
}
