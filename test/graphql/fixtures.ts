/** Shared selections and small writers for the GraphQL acceptance tests. */
import { ok, TestGateway, unique } from '../support/gateway';

export const INDIVIDUAL_FIELDS = `
  id
  name { given family middle }
  sex
  birthDate
  age
  deathDate
  status
  addresses { line locality areaCode regionCode country }
  phoneNumbers
  emails
  registrationDate
  lastUpdated
  version
  identifiers { id type value issuer verificationStatus }
  groups { id role current group { id } }
`;

export const GROUP_FIELDS = `
  id
  kind
  name
  address { line locality areaCode regionCode country }
  povertyScore
  povertyScoreType
  size
  registrationDate
  lastUpdated
  version
  head { id }
  members { id role current startDate endDate individual { id } }
  identifiers { id type value issuer verificationStatus }
`;

export const CREATE_INDIVIDUAL = `mutation ($input: CreateIndividualInput!) { createIndividual(input: $input) { ${INDIVIDUAL_FIELDS} } }`;
export const CREATE_GROUP = `mutation ($input: CreateGroupInput!) { createGroup(input: $input) { ${GROUP_FIELDS} } }`;
export const ADD_MEMBER = `mutation ($input: AddMemberInput!) { addMember(input: $input) { id role current startDate endDate group { id size } individual { id } } }`;

export interface IndividualOverrides {
  name?: { given: string; family: string; middle?: string };
  sex?: string;
  birthDate?: string | null;
  addresses?: object[];
  phoneNumbers?: string[];
  emails?: string[];
  identifiers?: object[];
}

/** Registers one individual through the API and returns what the API answered. */
export async function createIndividual(t: TestGateway, token: string, overrides: IndividualOverrides = {}) {
  const input = {
    name: { given: 'Test', family: unique('Fam') },
    sex: 'female',
    birthDate: '1990-05-17',
    ...overrides,
  };
  return ok(await t.gql(CREATE_INDIVIDUAL, { input }, token)).createIndividual;
}

export async function createGroup(t: TestGateway, token: string, overrides: Record<string, unknown> = {}) {
  const input = { kind: 'household', name: `${unique('G')} household`, ...overrides };
  return ok(await t.gql(CREATE_GROUP, { input }, token)).createGroup;
}

export async function addMember(t: TestGateway, token: string, groupId: string, individualId: string, role: string) {
  return ok(await t.gql(ADD_MEMBER, { input: { groupId, individualId, role } }, token)).addMember;
}

/** Today as YYYY-MM-DD (UTC), and a day relative to it. */
export function isoDay(offsetDays = 0): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + offsetDays);
  return d.toISOString().slice(0, 10);
}
