/**
 * Social-registry records (SPEC-NOTES 4.1, 4.3) read into what the registry needs: a DCI `Group`
 * (a household: its identifiers, head and members with their relationship to the head) or a
 * `Member` (one person: `member_identifier` and the `demographic_info` Person). Pure. A record that
 * cannot be read is reported with the reason, and becomes a review item rather than an error.
 */
import { dayOf, digestOf, identifiersOf, isObject, sexOf, str } from '../crvs/records';
import { MEMBER_ROLES, MembershipDoc } from '../store/models/membership';

type Json = Record<string, unknown>;

export interface SrIdentifier {
  type: string;
  value: string;
}

export interface SrAddress {
  line?: string;
  locality?: string;
  areaCode?: string;
  regionCode?: string;
  country?: string;
}

export interface SrPerson {
  /** At least one: the import deduplicates on them. */
  identifiers: SrIdentifier[];
  given: string;
  family: string;
  middle?: string;
  sex: 'male' | 'female' | 'other' | 'unknown';
  birthDate?: Date;
  address?: SrAddress;
  role: MembershipDoc['role'];
}

export interface SrHousehold {
  identifiers: SrIdentifier[];
  povertyScore?: number;
  povertyScoreType?: string;
  address?: SrAddress;
  /** The head first when the record names one. */
  members: SrPerson[];
}

export type SrRecord = { kind: 'group'; household: SrHousehold; digest: string; raw: Json } | { kind: 'member'; person: SrPerson; digest: string; raw: Json };

export class UnreadableRecord extends Error {
  constructor(
    message: string,
    readonly raw: Json,
    readonly digest: string,
  ) {
    super(message);
  }
}

function addressOf(v: unknown): SrAddress | undefined {
  const first = Array.isArray(v) ? v.find(isObject) : isObject(v) ? v : undefined;
  if (!first) return undefined;
  const address = {
    line: str(first.address_line1) ?? str(first.address_line),
    locality: str(first.locality),
    areaCode: str(first.sub_region_code),
    regionCode: str(first.region_code),
    country: str(first.country_code),
  };
  return Object.values(address).some(Boolean) ? address : undefined;
}

/** The relationship to the head, as the registry's roles name it; anything else is `other`. */
function roleOf(v: unknown): SrPerson['role'] {
  const role = str(v)?.split(':').pop()?.toLowerCase();
  if (role === 'wife' || role === 'husband' || role === 'partner') return 'spouse';
  if (role === 'son' || role === 'daughter') return 'child';
  if (role === 'father' || role === 'mother') return 'parent';
  return (MEMBER_ROLES as readonly string[]).includes(role ?? '') ? (role as SrPerson['role']) : 'other';
}

const unique = (ids: SrIdentifier[]) => ids.filter((id, i) => ids.findIndex((o) => o.type === id.type && o.value === id.value) === i);

/** A Member (or a member of a Group): problems come back as text, for the record's review item. */
function personOf(member: Json, role: SrPerson['role']): SrPerson | string {
  const info = isObject(member.demographic_info) ? member.demographic_info : member;
  const identifiers = unique([...identifiersOf({ identifier: member.member_identifier }), ...identifiersOf(info)]);
  const name = isObject(info.name) ? info.name : {};
  const given = str(name.given_name);
  const family = str(name.surname);
  if (identifiers.length === 0) return 'a person carries no identifier to match the registry on';
  if (!given || !family) return 'a person lacks a given name or a surname';
  return { identifiers, given, family, middle: str(name.second_name), sex: sexOf(info.sex), birthDate: dayOf(info.birth_date), address: addressOf(info.address), role };
}

export function readRecord(raw: Json): SrRecord {
  const digest = digestOf(raw);
  const fail = (message: string): never => {
    throw new UnreadableRecord(message, raw, digest);
  };
  if (!('group_type' in raw || 'member_list' in raw || 'group_head_info' in raw)) {
    const person = personOf(raw, 'other');
    if (typeof person === 'string') fail(person);
    return { kind: 'member', person: person as SrPerson, digest, raw };
  }
  const identifiers = identifiersOf({ identifier: raw.group_identifier });
  if (identifiers.length === 0) fail('the household carries no identifier to match the registry on');
  const people: SrPerson[] = [];
  const add = (member: unknown, role: SrPerson['role']) => {
    if (!isObject(member)) return;
    const person = personOf(member, role);
    if (typeof person === 'string') fail(person);
    const p = person as SrPerson;
    // The head also appears in member_list: one person, the head's role kept.
    if (!people.some((q) => q.identifiers.some((i) => p.identifiers.some((j) => i.type === j.type && i.value === j.value)))) people.push(p);
  };
  add(raw.group_head_info, 'head');
  for (const member of Array.isArray(raw.member_list) ? raw.member_list : []) {
    add(member, isObject(member) ? roleOf(member.relationship_head) : 'other');
  }
  // A second head in member_list joins as `other`: a household has one head.
  let heads = 0;
  for (const p of people) if (p.role === 'head' && ++heads > 1) p.role = 'other';
  const score = typeof raw.poverty_score === 'number' && Number.isFinite(raw.poverty_score) ? raw.poverty_score : undefined;
  return {
    kind: 'group',
    household: { identifiers, povertyScore: score, povertyScoreType: str(raw.poverty_score_type), address: addressOf(raw.address), members: people },
    digest,
    raw,
  };
}
