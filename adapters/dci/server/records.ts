/**
 * Maps the nodes of SEARCH_INDIVIDUALS / SEARCH_GROUPS to DCI Social Registry records (SPEC-NOTES
 * 4.1, 4.3) and builds `search_response` items, each field as the partner's disclosure profile says
 * (disclosure.ts). Absent values (null, empty lists) are left out, as the records' JSON-LD form
 * expects; strings the registry already masked (`J***`) stay masked. Every person rendered is told
 * to `seen`, the disclosure audit's way in (disclosureAudit.ts).
 */
import type { SearchReasonCode } from '../protocol/codes';
import type { Pagination, SearchResponseItem } from '../protocol/envelope';
import { Disclosure, identifierLevel, nestedDisclosure, shownText } from './disclosure';
import type { PersonRendered } from './disclosureAudit';
import { additionalAttributes } from './indicatorAttributes';
import type { AddressNode, Entity, GroupNode, IdentifierNode, IndividualNode } from './operations';

export interface DciIdentifier {
  identifier_type: string;
  identifier_value: string;
}

export interface DciAddress {
  address_line1?: string;
  locality?: string;
  sub_region_code?: string;
  region_code?: string;
  country_code?: string;
}

export interface DciPerson {
  identifier?: DciIdentifier[];
  name?: { given_name: string; surname: string; second_name?: string };
  sex?: string;
  birth_date?: string;
  death_date?: string;
  address?: DciAddress[];
  phone_number?: string[];
  email?: string[];
  registration_date: string;
  last_updated: string;
}

export interface DciMember {
  member_identifier?: DciIdentifier[];
  demographic_info: DciPerson;
  /** In a group's member_list: the member's role in the group (head, spouse, child, parent, other). */
  relationship_head?: string;
  /** The partner-visible indicators on the partner's allowlist, one `{name: value}` entry each. */
  additional_attributes?: Record<string, boolean | number | string | null>[];
  registration_date: string;
  last_updated: string;
}

export interface DciGroup {
  group_identifier?: DciIdentifier[];
  group_type: string;
  group_size: number;
  poverty_score?: number;
  poverty_score_type?: string;
  address?: DciAddress[];
  group_head_info?: DciMember;
  member_list?: DciMember[];
  registration_date: string;
  last_updated: string;
}

export const SOCIAL_REGISTRY_TYPE = 'ns:org:RegistryType:Social';
const RECORD_TYPE: Record<Entity, 'Member' | 'Group'> = { individual: 'Member', group: 'Group' };

/** `{key: value}` when the value is present, `{}` for null, undefined or an empty list. */
function present<K extends string, V>(key: K, value: V | null | undefined): Partial<Record<K, V>> {
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) return {};
  return { [key]: value } as Record<K, V>;
}

/** DCI dates are DateTimes (the SR examples write `1985-05-20T00:00:00Z`); ours are calendar days. */
const dateTime = (date: string | null) => (date === null ? null : `${date}T00:00:00Z`);

/** A value that cannot be partly shown: given, or left out. */
const whole = <T>(value: T, level: Disclosure[keyof Disclosure]) => (level === 'given' ? value : null);

const texts = (values: string[], level: Disclosure['phone']) => values.map((v) => shownText(v, level)).filter((v): v is string => v !== undefined);

function toDciIdentifiers(identifiers: IdentifierNode[], disclosure: Disclosure): DciIdentifier[] {
  return identifiers.flatMap((identifier) => {
    const value = shownText(identifier.value, identifierLevel(disclosure, identifier.type));
    return value === undefined ? [] : [{ identifier_type: identifier.type, identifier_value: value }];
  });
}

function toDciAddresses(addresses: AddressNode[], disclosure: Disclosure): DciAddress[] {
  if (disclosure.address === 'omitted') return [];
  return addresses.map((address) => ({
    ...present('address_line1', address.line === null ? null : shownText(address.line, disclosure.address)),
    ...present('locality', address.locality),
    ...present('sub_region_code', address.areaCode),
    ...present('region_code', address.regionCode),
    ...present('country_code', address.country),
  }));
}

function toDciName({ name }: IndividualNode, disclosure: Disclosure): DciPerson['name'] | null {
  if (disclosure.names === 'omitted') return null;
  const shown = (text: string) => shownText(text, disclosure.names)!;
  return { given_name: shown(name.given), surname: shown(name.family), ...present('second_name', name.middle === null ? null : shown(name.middle)) };
}

function toDciPerson(individual: IndividualNode, disclosure: Disclosure): DciPerson {
  return {
    ...present('identifier', toDciIdentifiers(individual.identifiers, disclosure)),
    ...present('name', toDciName(individual, disclosure)),
    ...present('sex', whole(individual.sex, disclosure.sex)),
    ...present('birth_date', whole(dateTime(individual.birthDate), disclosure.birthDate)),
    ...present('death_date', dateTime(individual.deathDate)),
    ...present('address', toDciAddresses(individual.addresses, disclosure)),
    ...present('phone_number', texts(individual.phoneNumbers, disclosure.phone)),
    ...present('email', texts(individual.emails, disclosure.email)),
    registration_date: individual.registrationDate,
    last_updated: individual.lastUpdated,
  };
}

/** An individual as a DCI Member: identified by its registry identifiers, described by its Person. */
export function toDciMember(individual: IndividualNode, disclosure: Disclosure, seen?: PersonRendered): DciMember {
  const member: DciMember = {
    ...present('member_identifier', toDciIdentifiers(individual.identifiers, disclosure)),
    demographic_info: toDciPerson(individual, disclosure),
    ...present('additional_attributes', additionalAttributes(individual.indicators)),
    registration_date: individual.registrationDate,
    last_updated: individual.lastUpdated,
  };
  seen?.(individual.id, member, disclosure);
  return member;
}

export function toDciGroup(group: GroupNode, disclosure: Disclosure, seen?: PersonRendered): DciGroup {
  const head = disclosure.groupHead === 'omitted' ? null : group.head && toDciMember(group.head, nestedDisclosure(disclosure, disclosure.groupHead), seen);
  const memberDisclosure = nestedDisclosure(disclosure, disclosure.groupMembers);
  const members = disclosure.groupMembers === 'omitted' ? [] : group.members.map((m) => ({ ...toDciMember(m.individual, memberDisclosure, seen), relationship_head: m.role }));
  return {
    ...present('group_identifier', toDciIdentifiers(group.identifiers, disclosure)),
    group_type: group.kind,
    group_size: group.size,
    ...present('poverty_score', group.povertyScore),
    ...present('poverty_score_type', group.povertyScoreType),
    ...present('address', group.address && toDciAddresses([group.address], disclosure)),
    ...present('group_head_info', head),
    ...present('member_list', members),
    registration_date: group.registrationDate,
    last_updated: group.lastUpdated,
  };
}

/**
 * A successful `search_response[]` item. `nodes` are the connection's nodes as SEARCH_INDIVIDUALS or
 * SEARCH_GROUPS returned them: those selections guarantee the node shapes.
 */
export function searchResponseItem(
  referenceId: string,
  entity: Entity,
  nodes: readonly object[],
  page: { size: number; number: number },
  totalCount: number,
  disclosure: Disclosure,
  now: Date,
  seen?: PersonRendered,
): SearchResponseItem & { pagination: Pagination } {
  const records = entity === 'group' ? (nodes as GroupNode[]).map((g) => toDciGroup(g, disclosure, seen)) : (nodes as IndividualNode[]).map((i) => toDciMember(i, disclosure, seen));
  return {
    reference_id: referenceId,
    timestamp: now.toISOString(),
    status: 'succ',
    data: { version: '1.0.0', reg_type: SOCIAL_REGISTRY_TYPE, reg_record_type: RECORD_TYPE[entity], reg_records: records },
    pagination: { page_size: page.size, page_number: page.number, total_count: totalCount },
  };
}

/** A rejected item: no data, the reason code and a message for the partner (at most 999 characters). */
export function rejectedItem(referenceId: string, reason: SearchReasonCode, message: string, now: Date): SearchResponseItem {
  return {
    reference_id: referenceId,
    timestamp: now.toISOString(),
    status: 'rjct',
    status_reason_code: reason,
    status_reason_message: message.slice(0, 999),
  };
}
