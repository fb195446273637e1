/**
 * The eligibility indicators, each declared once: what it means, its type, where its value comes
 * from, how long a value is trusted, what a failed fetch leaves behind, who may read it and whether
 * DCI partners may see it. Registry indicators are computed from the registry's own documents;
 * partner-backed ones are read off the stored partner answers of src/federation, so one answer of
 * a registry serves every indicator derived from it.
 */
import type { Scope } from '../auth/scopes';
import type { CrvsRecord } from '../federation/crvsRecord';
import { crvsRecordFlow } from '../federation/crvsRecord';
import type { Disability } from '../federation/disability';
import { disabilityFlow } from '../federation/disability';
import type { Enrollment } from '../federation/enrollment';
import { enrollmentFlow } from '../federation/enrollment';
import type { PartnerFlow } from '../federation/flow';
import { ageInYears, DISABILITY_KINDS, severityOf, type HouseholdView } from './derivations';

export type IndicatorType = 'boolean' | 'number' | 'string' | 'date';
export type IndicatorSource = 'registry' | 'crvs' | 'dr' | 'ibr';
export type FailurePolicy = 'null' | 'last_known' | 'fail';
export type IndicatorValue = boolean | number | string | Date | null;
export type IndicatorOutcome = 'ok' | 'not_found' | 'error';

/** A computed value and whether its source knew the person. */
export interface Derived {
  value: IndicatorValue;
  outcome: Exclude<IndicatorOutcome, 'error'>;
}

/** Computed from the person's registry record and household. */
export interface RegistryComputation {
  from: 'registry';
  compute(view: HouseholdView, argument: string | undefined): Derived;
}

/** Read off one partner's stored answer about the person (the flow's fact). */
export interface PartnerComputation<V = unknown> {
  from: 'partner';
  flow: PartnerFlow<V>;
  derive(fact: V, argument: string | undefined): Derived;
}

export interface IndicatorDefinition {
  name: string;
  type: IndicatorType;
  source: IndicatorSource;
  /** The fixed argument set of a parameterised indicator: one value per argument. */
  args?: readonly string[];
  ttlSeconds: number;
  failurePolicy: FailurePolicy;
  /** What a reader needs: partner-backed indicators are personal data, like the federated fields. */
  scopes: readonly Scope[];
  partnerVisible: boolean;
  description: string;
  computation: RegistryComputation | PartnerComputation<any>;
}

const DAY = 24 * 3600;
const REGISTRY_READ: readonly Scope[] = ['registry:read'];
const PARTNER_READ: readonly Scope[] = ['registry:read', 'registry:pii'];

const registry = (compute: RegistryComputation['compute']): RegistryComputation => ({ from: 'registry', compute });
const partner = <V>(flow: PartnerFlow<V>, derive: PartnerComputation<V>['derive']): PartnerComputation<V> => ({ from: 'partner', flow, derive });
const ok = (value: IndicatorValue): Derived => ({ value, outcome: 'ok' });
const notFound = (value: IndicatorValue = null): Derived => ({ value, outcome: 'not_found' });

export const INDICATORS: readonly IndicatorDefinition[] = [
  {
    name: 'age_years',
    type: 'number',
    source: 'registry',
    // Ages change on birthdays: a day's value at most; edits of the record invalidate it at once.
    ttlSeconds: DAY,
    failurePolicy: 'null',
    scopes: REGISTRY_READ,
    partnerVisible: true,
    description: 'Age in whole years today (at death for a deceased person); null without a birth date.',
    computation: registry(({ person }) => (person.birthDate ? ok(ageInYears(person.birthDate, person.deathDate ?? person.now)) : notFound())),
  },
  {
    name: 'household_size',
    type: 'number',
    source: 'registry',
    ttlSeconds: DAY,
    failurePolicy: 'null',
    scopes: REGISTRY_READ,
    partnerVisible: true,
    description: "Current members of the person's household; null when the person belongs to none.",
    computation: registry(({ household }) => (household ? ok(household.size) : notFound())),
  },
  {
    name: 'is_head_of_household',
    type: 'boolean',
    source: 'registry',
    ttlSeconds: DAY,
    failurePolicy: 'null',
    scopes: REGISTRY_READ,
    partnerVisible: true,
    description: 'The person is the current head of their household.',
    computation: registry(({ household }) => ok(household?.role === 'head')),
  },
  {
    name: 'is_deceased',
    type: 'boolean',
    source: 'registry',
    ttlSeconds: DAY,
    failurePolicy: 'null',
    scopes: REGISTRY_READ,
    partnerVisible: true,
    description: 'The registry records the person as deceased.',
    computation: registry(({ person }) => ok(person.status === 'deceased')),
  },
  {
    name: 'children_under_5',
    type: 'number',
    source: 'registry',
    ttlSeconds: DAY,
    failurePolicy: 'null',
    scopes: REGISTRY_READ,
    partnerVisible: true,
    description: "Members of the person's household younger than 5 today; null when the person belongs to no household.",
    computation: registry(({ person, household }) =>
      household ? ok(household.memberBirthDates.filter((birth) => ageInYears(birth, person.now) < 5).length) : notFound(),
    ),
  },
  {
    name: 'crvs.is_alive',
    type: 'boolean',
    source: 'crvs',
    ttlSeconds: crvsRecordFlow.ttlMs / 1000,
    // A civil registry outage must not turn the living into unknowns: the last answer stands.
    failurePolicy: 'last_known',
    scopes: PARTNER_READ,
    partnerVisible: false,
    description: 'The civil registry holds no death of the person (also when it holds no record of them at all: outcome not_found).',
    computation: partner(crvsRecordFlow, (r: CrvsRecord) => {
      const alive = !r.events.some((e) => e.type === 'death');
      return crvsRecordFlow.holds(r) ? ok(alive) : notFound(alive);
    }),
  },
  {
    name: 'crvs.birth_verified',
    type: 'boolean',
    source: 'crvs',
    ttlSeconds: crvsRecordFlow.ttlMs / 1000,
    failurePolicy: 'null',
    scopes: PARTNER_READ,
    partnerVisible: false,
    description: 'The civil registry holds a registered birth (with its BRN) of the person.',
    computation: partner(crvsRecordFlow, (r: CrvsRecord) => {
      const verified = r.events.some((e) => e.type === 'birth' && e.registrationNumber !== undefined);
      return crvsRecordFlow.holds(r) ? ok(verified) : notFound(false);
    }),
  },
  {
    name: 'dr.has_disability',
    type: 'boolean',
    source: 'dr',
    ttlSeconds: disabilityFlow.ttlMs / 1000,
    failurePolicy: 'last_known',
    scopes: PARTNER_READ,
    partnerVisible: false,
    description: 'The disability registry holds an approved registration of the person.',
    computation: partner(disabilityFlow, (d: Disability) => (disabilityFlow.holds(d) ? ok(d.registered) : notFound(false))),
  },
  {
    name: 'dr.severity',
    type: 'number',
    source: 'dr',
    args: DISABILITY_KINDS,
    ttlSeconds: disabilityFlow.ttlMs / 1000,
    failurePolicy: 'null',
    scopes: PARTNER_READ,
    partnerVisible: false,
    description:
      'Severity of the impairment of one kind (vision, hearing, mobility, cognition) on the Washington Group scale: 0 none recorded, 1 mild, 2 moderate, 3 severe, 4 complete.',
    computation: partner(disabilityFlow, (d: Disability, kind) => (disabilityFlow.holds(d) ? ok(severityOf(d.impairments, kind!)) : notFound(0))),
  },
  {
    name: 'ibr.enrolled_elsewhere',
    type: 'boolean',
    source: 'ibr',
    ttlSeconds: enrollmentFlow.ttlMs / 1000,
    // A duplicate-benefit check that could not be made must stop the decision, not pass it.
    failurePolicy: 'fail',
    scopes: PARTNER_READ,
    partnerVisible: false,
    description: 'The beneficiary registry confirms an enrolment of the person; null on a possible match (same name and birth date, no identifier to confirm it), or when it will not search a person without an identifier by name and birth date (not_found).',
    computation: partner(enrollmentFlow, (e: Enrollment) =>
      enrollmentFlow.holds(e) ? ok(e.result === 'CONFIRMED_MATCH' ? true : null) : notFound(false),
    ),
  },
  {
    name: 'ibr.program_count',
    type: 'number',
    source: 'ibr',
    ttlSeconds: enrollmentFlow.ttlMs / 1000,
    failurePolicy: 'null',
    scopes: PARTNER_READ,
    partnerVisible: false,
    description: 'Programmes the beneficiary registry lists for the person (0 when not enrolled).',
    computation: partner(enrollmentFlow, (e: Enrollment) => (enrollmentFlow.holds(e) ? ok(e.programmes.length) : notFound(0))),
  },
];

const byName = new Map(INDICATORS.map((d) => [d.name, d]));

export function findIndicator(name: string): IndicatorDefinition | undefined {
  return byName.get(name);
}

/** The stored key of (indicator, argument): dots are not allowed in MongoDB field names. 'dr.severity','vision' -> 'dr__severity__vision'. */
export function indicatorSlot(name: string, argument?: string | null): string {
  const base = name.replace(/\./g, '__');
  return argument ? `${base}__${argument}` : base;
}
