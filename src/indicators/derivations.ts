/** The arithmetic behind the indicators: ages, the household seen from one member, impairment severity. */
import type { Impairment } from '../federation/disability';
import type { IndividualDoc } from '../store/models/individual';

/** What registry indicators are computed from: the person, and their current household if any. */
export interface HouseholdView {
  person: Pick<IndividualDoc, 'birthDate' | 'deathDate' | 'status'> & { now: Date };
  household?: {
    size: number;
    role: string;
    /** Of the current members who have one, the person included. */
    memberBirthDates: Date[];
  };
}

/** Whole years from `birth` to `at`, counted on calendar days (UTC): the same age as Individual.age. */
export { ageOn as ageInYears } from '../graphql/resolvers/types';

export const DISABILITY_KINDS = ['vision', 'hearing', 'mobility', 'cognition'] as const;
export type DisabilityKind = (typeof DISABILITY_KINDS)[number];

/** Impairment types as disability registries write them (the Washington Group domains and their common names). */
const KIND_OF_TYPE: Record<string, DisabilityKind> = {
  seeing: 'vision',
  vision: 'vision',
  visual: 'vision',
  hearing: 'hearing',
  'physical and movement related functions': 'mobility',
  mobility: 'mobility',
  physical: 'mobility',
  walking: 'mobility',
  cognition: 'cognition',
  cognitive: 'cognition',
  intellectual: 'cognition',
  remembering: 'cognition',
};

/** The first word of an impairment level or DR severity: Mild, Moderate, Severe, Complete/Profound. */
const LEVELS: Record<string, number> = { mild: 1, moderate: 2, severe: 3, complete: 4, profound: 4 };

const levelOf = (text: string | undefined) => (text ? (LEVELS[text.trim().split(/\s+/)[0].toLowerCase()] ?? 0) : 0);

/** The highest level among the person's impairments of this kind; 0 when none is recorded. */
export function severityOf(impairments: readonly Impairment[], kind: string): number {
  return impairments.filter((i) => KIND_OF_TYPE[i.type.trim().toLowerCase()] === kind).reduce((max, i) => Math.max(max, levelOf(i.level)), 0);
}
