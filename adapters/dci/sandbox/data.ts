/**
 * The sandbox's own records, generated from a seed: the same seed and `asOf` day always give the same
 * births, deaths, enrolments and disabilities. They point at the gateway's demo people through the
 * demo registry's documented UIN scheme (person n of seed S has UIN `${S % 90 + 10}${n padded to 8}`),
 * re-implemented here because the sandbox shares nothing with the gateway but HTTP. Births name as
 * mother a woman of that registry of child-bearing age at the birth (./demoPeople.ts knows them).
 */
import { DemoPerson, demoPeople } from './demoPeople';
import { mulberry32, Random } from './random';

export const AREAS = [
  { areaCode: 'NR-01', regionCode: 'NR', locality: 'Kinta' },
  { areaCode: 'NR-02', regionCode: 'NR', locality: 'Mabele' },
  { areaCode: 'CE-01', regionCode: 'CE', locality: 'Odala' },
  { areaCode: 'CE-02', regionCode: 'CE', locality: 'Rivo' },
  { areaCode: 'SO-01', regionCode: 'SO', locality: 'Tandu' },
  { areaCode: 'SO-02', regionCode: 'SO', locality: 'Umbali' },
] as const;
export type Area = (typeof AREAS)[number];
export const COUNTRY = 'ZZ';

export const GIVEN = {
  female: ['Amani', 'Neema', 'Zawadi', 'Baraka', 'Subira', 'Tumaini', 'Wema', 'Asha', 'Nia', 'Imara', 'Furaha', 'Penda'],
  male: ['Jabari', 'Kito', 'Juma', 'Bahati', 'Faraji', 'Hamisi', 'Khamisi', 'Omari', 'Salim', 'Rashidi', 'Zuberi', 'Jelani'],
};
export const FAMILY = ['Okafor', 'Mensah', 'Banda', 'Diallo', 'Kamau', 'Mwangi', 'Nkosi', 'Traore', 'Phiri', 'Osei', 'Abebe', 'Moyo', 'Sesay', 'Lungu', 'Ndlovu', 'Tembo'];

export const PROGRAMMES = [
  { programmeIdentifier: 'CG-2025', programmeName: 'Child Grant' },
  { programmeIdentifier: 'OAP-01', programmeName: 'Old Age Pension' },
  { programmeIdentifier: 'CCT-EDU', programmeName: 'Conditional Cash Transfer for Education' },
  { programmeIdentifier: 'PWP-02', programmeName: 'Public Works Programme' },
] as const;
const ENROLMENT_STATUSES = ['Active', 'Active', 'Active', 'Suspended', 'Graduated'] as const;

/** Impairment types and levels from the DR code directories (WHO ICF wording, as in the spec's examples). */
const IMPAIRMENT_TYPES = ['Seeing', 'Hearing', 'Physical and movement related functions', 'Cognition', 'Communication', 'Self-care'] as const;
const IMPAIRMENT_LEVELS = ['Mild impairment or difficulty', 'Moderate impairment or difficulty', 'Severe impairment or difficulty', 'Complete impairment or difficulty'] as const;
const IMPAIRMENT_CAUSES = ['Congenital', 'Illness', 'Work Accident', 'Road Accident', 'Ageing'] as const;
const SEVERITY_OF_LEVEL = ['Mild', 'Moderate', 'Severe', 'Profound'] as const;

export interface BirthRecord {
  brn: string;
  givenName: string;
  surname: string;
  sex: 'male' | 'female';
  /** Calendar day, YYYY-MM-DD. */
  birthDate: string;
  area: Area;
  placeName: string;
  /** parent1: the mother's UIN. */
  motherUin: string;
  /** False for the ~5% of births whose mother is outside the demo registry. */
  motherInDemo: boolean;
  /** True for the ~2% whose parent1 is a clerical error naming a man of the demo registry, for review lists. */
  motherMistaken: boolean;
  registrationDate: string;
  /** True on the second record of a BRN registered twice under different names (~1%). */
  conflictingDuplicate: boolean;
}

export interface DeathRecord {
  drn: string;
  uin: string;
  deathDate: string;
  area: Area;
  registrationDate: string;
}

export interface Enrolment {
  uin: string;
  programmeIdentifier: string;
  programmeName: string;
  enrollmentDate: string;
  enrollmentStatus: (typeof ENROLMENT_STATUSES)[number];
}

export interface Disability {
  uin: string;
  impairmentType: string;
  impairmentLevel: string;
  impairmentCause: string;
  /** Functional severity, the DR `disability_status_level`. */
  severity: string;
  disabilityStatus: 'Approved' | 'Pending';
  assessmentDate: string;
  registrationDate: string;
}

export interface SandboxData {
  births: BirthRecord[];
  deaths: DeathRecord[];
  enrolments: Enrolment[];
  disabilities: Disability[];
}

export interface DataOptions {
  seed: number;
  demoIndividuals: number;
  births: number;
  deaths: number;
  /** The day the data is generated "as of"; births fall in the 10 years before it. */
  asOf: Date;
}

export const demoUin = (seed: number, n: number) => `${(((seed % 90) + 90) % 90) + 10}${String(n).padStart(8, '0')}`;

/** One independent stream per data set, so changing one count leaves the others intact. */
const random = (seed: number, stream: number) => mulberry32(seed * 0x9e3779b1 + stream * 0x85ebca6b);

const DAY_MS = 86_400_000;
const day = (asOf: Date, daysBefore: number) => new Date(asOf.getTime() - daysBefore * DAY_MS).toISOString().slice(0, 10);

export function generateData(opts: DataOptions): SandboxData {
  const deaths = generateDeaths(opts);
  return {
    births: generateBirths(opts, deaths),
    deaths,
    enrolments: generateEnrolments(opts),
    disabilities: generateDisabilities(opts),
  };
}

/**
 * Mothers' ages at the birth: inside the child-bearing years (15–49), with room for a demo registry
 * seeded a few years before `asOf` (its people are then that much older than computed from `asOf`).
 */
const MOTHER_AGE = { min: 16, max: 45 };

/** Whole years from `born` to `on` (calendar days, UTC), as the gateway counts them. */
function ageOn(born: Date, on: Date): number {
  const beforeBirthday = on.getUTCMonth() < born.getUTCMonth() || (on.getUTCMonth() === born.getUTCMonth() && on.getUTCDate() < born.getUTCDate());
  return on.getUTCFullYear() - born.getUTCFullYear() - (beforeBirthday ? 1 : 0);
}

/** The first index of `items` for which `holds` is true, given it is false before that and true after. */
function firstWhere<T>(items: readonly T[], holds: (item: T) => boolean): number {
  let [lo, hi] = [0, items.length];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (holds(items[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The women of the demo registry, oldest first, who could be the mother of a child born on a given
 * day; not those the sandbox's CRVS records as dead (a birth may come after the death date).
 */
function possibleMothers(people: DemoPerson[], deaths: DeathRecord[], seed: number) {
  const dead = new Set(deaths.map((d) => d.uin));
  const women = people.filter((p) => p.sex === 'female' && !dead.has(demoUin(seed, p.n))).sort((a, b) => a.birthDate.getTime() - b.birthDate.getTime() || a.n - b.n);
  /** One of them picked by `draw` (in [0, 1)), or undefined when none is of an age. */
  return (childBorn: Date, draw: number): DemoPerson | undefined => {
    const first = firstWhere(women, (w) => ageOn(w.birthDate, childBorn) <= MOTHER_AGE.max);
    const end = firstWhere(women, (w) => ageOn(w.birthDate, childBorn) < MOTHER_AGE.min);
    return end > first ? women[first + Math.floor(draw * (end - first))] : undefined;
  };
}

function generateBirths({ seed, demoIndividuals, births, asOf }: DataOptions, deaths: DeathRecord[]): BirthRecord[] {
  const rng = random(seed, 1);
  const people = demoPeople(seed, demoIndividuals, asOf);
  const motherOf = possibleMothers(people, deaths, seed);
  const men = people.filter((p) => p.sex === 'male');
  const records: BirthRecord[] = [];
  for (let i = 1; records.length < births; i++) {
    const sex = rng.chance(0.5) ? 'female' : 'male';
    const area = rng.pick(AREAS);
    const age = rng.int(0, 3651);
    const birthDate = day(asOf, age);
    const motherMistaken = men.length > 0 && rng.chance(0.02);
    const mother = motherMistaken ? rng.pick(men) : rng.chance(0.05) ? undefined : motherOf(new Date(birthDate), rng.next());
    // Unknown mothers get UINs from 90,000,000 on, far above any demo registry size.
    const motherUin = demoUin(seed, mother?.n ?? rng.int(90_000_000, 99_999_999));
    const birth: BirthRecord = {
      brn: `BRN-CR-${seed}-${String(i).padStart(7, '0')}`,
      givenName: rng.pick(GIVEN[sex]),
      surname: rng.pick(FAMILY),
      sex,
      birthDate,
      area,
      placeName: `${area.locality} Health Centre`,
      motherUin,
      motherInDemo: mother !== undefined,
      motherMistaken,
      registrationDate: day(asOf, Math.max(0, age - rng.int(0, 60))),
      conflictingDuplicate: false,
    };
    records.push(birth);
    // A clerical conflict: the same BRN registered again with another given name, for review lists.
    if (records.length < births && rng.chance(0.01)) {
      const other = GIVEN[sex].filter((name) => name !== birth.givenName);
      records.push({ ...birth, givenName: rng.pick(other), conflictingDuplicate: true });
    }
  }
  return records;
}

/** Distinct demo person numbers, drawn without replacement. */
function distinctPeople(rng: Random, demoIndividuals: number, count: number): number[] {
  const chosen = new Set<number>();
  const wanted = Math.min(count, demoIndividuals);
  while (chosen.size < wanted) chosen.add(rng.int(1, demoIndividuals));
  return [...chosen];
}

function generateDeaths({ seed, demoIndividuals, deaths, asOf }: DataOptions): DeathRecord[] {
  const rng = random(seed, 2);
  return distinctPeople(rng, demoIndividuals, deaths).map((n, i) => {
    const daysAgo = rng.int(1, 730);
    return {
      drn: `DRN-CR-${seed}-${String(i + 1).padStart(7, '0')}`,
      uin: demoUin(seed, n),
      deathDate: day(asOf, daysAgo),
      area: rng.pick(AREAS),
      registrationDate: day(asOf, Math.max(0, daysAgo - rng.int(0, 14))),
    };
  });
}

function generateEnrolments({ seed, demoIndividuals, asOf }: DataOptions): Enrolment[] {
  const rng = random(seed, 3);
  const enrolments: Enrolment[] = [];
  for (let n = 1; n <= demoIndividuals; n++) {
    if (!rng.chance(0.2)) continue;
    const first = rng.int(0, PROGRAMMES.length - 1);
    const programmes = rng.chance(0.3) ? [first, (first + rng.int(1, PROGRAMMES.length - 1)) % PROGRAMMES.length] : [first];
    for (const p of programmes) {
      enrolments.push({
        uin: demoUin(seed, n),
        ...PROGRAMMES[p],
        enrollmentDate: day(asOf, rng.int(30, 5 * 365)),
        enrollmentStatus: rng.pick(ENROLMENT_STATUSES),
      });
    }
  }
  return enrolments;
}

function generateDisabilities({ seed, demoIndividuals, asOf }: DataOptions): Disability[] {
  const rng = random(seed, 4);
  const disabilities: Disability[] = [];
  for (let n = 1; n <= demoIndividuals; n++) {
    if (!rng.chance(0.08)) continue;
    const level = rng.int(0, IMPAIRMENT_LEVELS.length - 1);
    const assessed = rng.int(30, 8 * 365);
    disabilities.push({
      uin: demoUin(seed, n),
      impairmentType: rng.pick(IMPAIRMENT_TYPES),
      impairmentLevel: IMPAIRMENT_LEVELS[level],
      impairmentCause: rng.pick(IMPAIRMENT_CAUSES),
      severity: SEVERITY_OF_LEVEL[level],
      disabilityStatus: rng.chance(0.8) ? 'Approved' : 'Pending',
      assessmentDate: day(asOf, assessed),
      registrationDate: day(asOf, Math.max(0, assessed - rng.int(0, 30))),
    });
  }
  return disabilities;
}
