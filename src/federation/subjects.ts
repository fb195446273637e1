/** The person a partner is asked about: the identifiers partners know people by, and what else may match them. */
import type { EmbeddedIdentifier } from '../store/models/identifier';
import type { IndividualDoc } from '../store/models/individual';

export interface PersonIdentifier {
  type: string;
  value: string;
}

export interface Subject {
  id: string;
  /** UIN, else NATIONAL_ID: how IBR and DR know a person. */
  personId?: PersonIdentifier;
  uin?: string;
  brn?: string;
  name: { given: string; family: string };
  birthDate?: Date;
  /** Changes with every edit of the record, so an answer about the old record is not reused. */
  version: number;
}

/** The order in which identifiers name a person at IBR and DR. */
const PERSON_ID_TYPES = ['UIN', 'NATIONAL_ID'];

const valueOf = (identifiers: EmbeddedIdentifier[], type: string) => identifiers.find((i) => i.type === type)?.value;

export function subjectOf(individual: IndividualDoc): Subject {
  const { identifiers } = individual;
  const personIdType = PERSON_ID_TYPES.find((type) => valueOf(identifiers, type) !== undefined);
  return {
    id: `${individual._id}`,
    ...(personIdType && { personId: { type: personIdType, value: valueOf(identifiers, personIdType)! } }),
    uin: valueOf(identifiers, 'UIN'),
    brn: valueOf(identifiers, 'BRN'),
    name: { given: individual.name.given, family: individual.name.family },
    birthDate: individual.birthDate,
    version: individual.version,
  };
}

export const describeId = (id: PersonIdentifier) => `${id.type}:${id.value}`;
