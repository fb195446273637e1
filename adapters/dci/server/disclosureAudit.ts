/**
 * The disclosure audit, adapter side: which people's data a message to a partner carries, field by
 * field, and for what purpose. Every person record the adapter renders for a partner (records.ts,
 * for sync answers, async callbacks, status replies and notifications) is reported here; the sender
 * hands the people of a message to the recorder before the message leaves. src/audit stores them.
 */
import { type Disclosure, type DisclosureLevel, identifierLevel } from './disclosure';
import type { Purpose } from './purpose';
import type { DciMember } from './records';

/** A field of a DCI record as sent: its DCI name (`given_name`, `birth_date`, `identifier:UIN`, an indicator's name) and how. */
export interface DisclosedField {
  field: string;
  level: Exclude<DisclosureLevel, 'omitted'>;
}

/** One person in one message. */
export interface PersonDisclosure {
  individualId: string;
  fields: DisclosedField[];
  purpose: Purpose;
  /** The search item (reference_id) or subscription (code) the person was sent for. */
  referenceId?: string;
}

/** The message the people go out in. */
export interface DisclosureMessage {
  /** The partner's sender id. */
  partner: string;
  /** The outgoing header.message_id: the same on every attempt to send the message. */
  messageId: string;
  transactionId: string;
  /** The outgoing action: on-search, txn-on-status, notify. */
  action: string;
  at: Date;
}

export interface DisclosureRecorder {
  /**
   * Stores one record per person of the message before it is sent; storing the same message again
   * (a retried delivery) adds nothing. Fails when it cannot store: the message must then not go out.
   */
  record(message: DisclosureMessage, people: readonly PersonDisclosure[]): Promise<void>;
}

/** The fields of a rendered Member that say something of the person, at the level the profile gave them. */
export function disclosedFields(member: DciMember, disclosure: Disclosure): DisclosedField[] {
  const fields: DisclosedField[] = [];
  const add = (field: string, level: DisclosureLevel) => {
    if (level !== 'omitted') fields.push({ field, level });
  };
  const person = member.demographic_info;
  for (const { identifier_type: type } of member.member_identifier ?? []) add(`identifier:${type}`, identifierLevel(disclosure, type));
  if (person.name) {
    add('given_name', disclosure.names);
    add('surname', disclosure.names);
    if (person.name.second_name !== undefined) add('second_name', disclosure.names);
  }
  if (person.sex !== undefined) add('sex', 'given');
  if (person.birth_date !== undefined) add('birth_date', 'given');
  if (person.death_date !== undefined) add('death_date', 'given');
  if (person.address) add('address', disclosure.address);
  if (person.phone_number) add('phone_number', disclosure.phone);
  if (person.email) add('email', disclosure.email);
  for (const attribute of member.additional_attributes ?? []) for (const name of Object.keys(attribute)) add(name, 'given');
  return fields;
}

/** Told of every person rendered into a record (a household's head and members included). */
export type PersonRendered = (individualId: string, member: DciMember, disclosure: Disclosure) => void;

/**
 * Collects the people of one search item or notification: a person shown twice (a household head
 * who is also listed as a member) is one disclosure holding every field either showed, at the higher level.
 */
export function peopleCollector(): { seen: PersonRendered; people(purpose: Purpose, referenceId?: string): PersonDisclosure[] } {
  const byPerson = new Map<string, Map<string, DisclosedField['level']>>();
  return {
    seen(individualId, member, disclosure) {
      const fields = byPerson.get(individualId) ?? new Map<string, DisclosedField['level']>();
      byPerson.set(individualId, fields);
      for (const { field, level } of disclosedFields(member, disclosure)) if (fields.get(field) !== 'given') fields.set(field, level);
    },
    people(purpose, referenceId) {
      return [...byPerson].map(([individualId, fields]) => ({
        individualId,
        fields: [...fields].map(([field, level]) => ({ field, level })),
        purpose,
        ...(referenceId !== undefined && { referenceId }),
      }));
    },
  };
}
