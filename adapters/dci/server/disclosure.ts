/**
 * What a partner may learn of the people and households it searches, field by field: each personal
 * field of a record is given, masked or omitted, identifiers by type. Pure: the partner registry
 * stores a profile, the record mapping and the query translation read it.
 *
 * - given: the value as registered; the partner may search and sort on it (as its allowlist says).
 * - masked: text keeps its first character (`J***`, as GraphQL masks for callers without
 *   registry:pii); a value that cannot be partly shown (a date, a sex code) is left out. The partner
 *   may still select on it (people aged 60 or more) but not on names, since a search by name is
 *   how names are found out.
 * - omitted: left out of the record, and neither searched nor sorted on.
 */
import type { Scope } from '../../../src/auth/scopes';

export const DISCLOSURE_LEVELS = ['given', 'masked', 'omitted'] as const;
export type DisclosureLevel = (typeof DISCLOSURE_LEVELS)[number];

/** The personal fields of a DCI Person (names, birth_date, sex, address, phone_number, email) and of a Group. */
export const DISCLOSED_FIELDS = ['names', 'birthDate', 'sex', 'address', 'phone', 'email', 'groupMembers', 'groupHead'] as const;
export type DisclosedField = (typeof DISCLOSED_FIELDS)[number];

export type Disclosure = Record<DisclosedField, DisclosureLevel> & {
  /** Identifiers of a type not listed in `identifierTypes`. */
  identifiers: DisclosureLevel;
  identifierTypes: { type: string; level: DisclosureLevel }[];
};

/** What a partner with the former `pii: true` received: everything. */
export const FULL_DISCLOSURE: Disclosure = {
  names: 'given',
  birthDate: 'given',
  sex: 'given',
  address: 'given',
  phone: 'given',
  email: 'given',
  identifiers: 'given',
  identifierTypes: [],
  groupMembers: 'given',
  groupHead: 'given',
};

/** What a partner with the former `pii: false` received, and a new partner's default: GraphQL's masking. */
export const MASKED_DISCLOSURE: Disclosure = {
  names: 'masked',
  birthDate: 'masked',
  sex: 'given',
  address: 'masked',
  phone: 'masked',
  email: 'masked',
  identifiers: 'masked',
  identifierTypes: [],
  groupMembers: 'given',
  groupHead: 'given',
};

export const identifierLevel = (disclosure: Disclosure, type: string): DisclosureLevel =>
  disclosure.identifierTypes.find((t) => t.type === type)?.level ?? disclosure.identifiers;

const levelsOf = (d: Disclosure): DisclosureLevel[] => [...DISCLOSED_FIELDS.map((f) => d[f]), d.identifiers, ...d.identifierTypes.map((t) => t.level)];

/** The registry scopes a partner's searches run with: personal data only when some field is given. */
export function registryScopes(disclosure: Disclosure): Scope[] {
  return levelsOf(disclosure).includes('given') ? ['registry:read', 'registry:pii'] : ['registry:read'];
}

/** The profile of a household's head or members shown at `level`: masked caps every field at masked. */
export function nestedDisclosure(disclosure: Disclosure, level: DisclosureLevel): Disclosure {
  if (level !== 'masked') return disclosure;
  const cap = (l: DisclosureLevel): DisclosureLevel => (l === 'given' ? 'masked' : l);
  const capped = Object.fromEntries(DISCLOSED_FIELDS.map((f) => [f, cap(disclosure[f])])) as Record<DisclosedField, DisclosureLevel>;
  return { ...capped, identifiers: cap(disclosure.identifiers), identifierTypes: disclosure.identifierTypes.map((t) => ({ ...t, level: cap(t.level) })) };
}

/** A text shown at `level`: itself, its first character and `***`, or nothing. */
export function shownText(value: string, level: DisclosureLevel): string | undefined {
  if (level === 'omitted') return undefined;
  return level === 'masked' && value.length > 0 ? `${value[0]}***` : value;
}

/**
 * Vocabulary names (query.ts, vocabulary.ts) that select or order on a disclosed field, and the least
 * level at which the partner may use them. Others (group size, status…) disclose nothing of a person
 * beyond what the allowlist already grants.
 */
const SEARCHED_FIELD: Record<string, { field: DisclosedField; needs: DisclosureLevel }> = {
  given_name: { field: 'names', needs: 'given' },
  surname: { field: 'names', needs: 'given' },
  age: { field: 'birthDate', needs: 'masked' },
  // The age_years indicator tells what age does.
  age_years: { field: 'birthDate', needs: 'masked' },
  birth_date: { field: 'birthDate', needs: 'masked' },
  YOB: { field: 'birthDate', needs: 'masked' },
  sex: { field: 'sex', needs: 'masked' },
  location: { field: 'address', needs: 'masked' },
};

const RANK: Record<DisclosureLevel, number> = { omitted: 0, masked: 1, given: 2 };

/** May the partner search or sort on this vocabulary name or identifier type? */
export function maySearchOn(disclosure: Disclosure, key: string, isIdentifierType: boolean): boolean {
  if (isIdentifierType) return identifierLevel(disclosure, key) !== 'omitted';
  const searched = Object.hasOwn(SEARCHED_FIELD, key) ? SEARCHED_FIELD[key] : undefined;
  return !searched || RANK[disclosure[searched.field]] >= RANK[searched.needs];
}
