/**
 * The GraphQL operations the DCI search adapter runs in process against our schema, and the shape of
 * the nodes they return. The selections carry exactly what the DCI Member and Group records need.
 */
import type { DciGroupFragment, DciIdentifierLookupsQuery, DciIndividualFragment } from './generated/operations';

const INDIVIDUAL_FIELDS = /* GraphQL */ `
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

export const SEARCH_INDIVIDUALS = /* GraphQL */ `
query DciSearchIndividuals($filter: IndividualFilter, $sort: [IndividualSort!], $first: Int, $offset: Int, $indicators: [String!] = []) {
  individuals(filter: $filter, sort: $sort, first: $first, offset: $offset) {
    totalCount
    edges { node { ...DciIndividual } }
  }
}
${INDIVIDUAL_FIELDS}`;

const GROUP_FIELDS = /* GraphQL */ `
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

export const SEARCH_GROUPS = /* GraphQL */ `
query DciSearchGroups($filter: GroupFilter, $sort: [GroupSort!], $first: Int, $offset: Int, $indicators: [String!] = []) {
  groups(filter: $filter, sort: $sort, first: $first, offset: $offset) {
    totalCount
    edges { node { ...DciGroup } }
  }
}
${GROUP_FIELDS}
${INDIVIDUAL_FIELDS}`;

/** The holders of many identifiers in one registry read, in the order asked; each node says its kind. */
export const IDENTIFIER_LOOKUPS = /* GraphQL */ `
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

/**
 * The nodes as the operations return them, typed by `npm run codegen` from the selections above.
 * Strings may arrive masked (`J***`) and `birthDate` null for partners without PII rights.
 */
export type IndividualNode = DciIndividualFragment;
export type GroupNode = DciGroupFragment;
export type AddressNode = IndividualNode['addresses'][number];
export type IdentifierNode = IndividualNode['identifiers'][number];
/** A holder of an identifier, which says its kind. */
export type RegistrantNode = NonNullable<DciIdentifierLookupsQuery['registrantsByIdentifiers'][number]>;
