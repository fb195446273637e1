/**
 * Maps the nodes of SEARCH_INDIVIDUALS / SEARCH_GROUPS to DCI Social Registry records (SPEC-NOTES
 * 4.1, 4.3) and builds `search_response` items. Absent values (null, empty lists) are left out, as
 * the records' JSON-LD form expects; masked strings (`J***`) pass through unchanged.
 */
import type { SearchReasonCode } from '../protocol/codes';
import type { Pagination, SearchResponseItem } from '../protocol/envelope';
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
  name: { given_name: string; surname: string; second_name?: string };
  sex: string;
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

const toDciIdentifier = (identifier: IdentifierNode): DciIdentifier => ({ identifier_type: identifier.type, identifier_value: identifier.value });

function toDciAddress(address: AddressNode): DciAddress {
  return {
    ...present('address_line1', address.line),
    ...present('locality', address.locality),
    ...present('sub_region_code', address.areaCode),
    ...present('region_code', address.regionCode),
    ...present('country_code', address.country),
  };
}

function toDciPerson(individual: IndividualNode): DciPerson {
  const { name } = individual;
  return {
    ...present('identifier', individual.identifiers.map(toDciIdentifier)),
    name: { given_name: name.given, surname: name.family, ...present('second_name', name.middle) },
    sex: individual.sex,
    ...present('birth_date', dateTime(individual.birthDate)),
    ...present('death_date', dateTime(individual.deathDate)),
    ...present('address', individual.addresses.map(toDciAddress)),
    ...present('phone_number', individual.phoneNumbers),
    ...present('email', individual.emails),
    registration_date: individual.registrationDate,
    last_updated: individual.lastUpdated,
  };
}

/** An individual as a DCI Member: identified by its registry identifiers, described by its Person. */
export function toDciMember(individual: IndividualNode): DciMember {
  return {
    ...present('member_identifier', individual.identifiers.map(toDciIdentifier)),
    demographic_info: toDciPerson(individual),
    registration_date: individual.registrationDate,
    last_updated: individual.lastUpdated,
  };
}

export function toDciGroup(group: GroupNode): DciGroup {
  return {
    ...present('group_identifier', group.identifiers.map(toDciIdentifier)),
    group_type: group.kind,
    group_size: group.size,
    ...present('poverty_score', group.povertyScore),
    ...present('poverty_score_type', group.povertyScoreType),
    ...present('address', group.address && [toDciAddress(group.address)]),
    ...present('group_head_info', group.head && toDciMember(group.head)),
    ...present('member_list', group.members.map((m) => ({ ...toDciMember(m.individual), relationship_head: m.role }))),
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
  now: Date,
): SearchResponseItem & { pagination: Pagination } {
  const records = entity === 'group' ? (nodes as GroupNode[]).map(toDciGroup) : (nodes as IndividualNode[]).map(toDciMember);
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
