/**
 * The sex and birth date of each person of the demo registry (`seed` with `--individuals`), so that
 * births can name plausible mothers. Re-implemented from the registry's seed (src/registry/seed.ts)
 * because the sandbox shares nothing with the gateway but HTTP: it draws the same random numbers in
 * the same order and keeps what it needs. test/sandbox/demoPeople.test.ts compares it with a seeded
 * registry, so a change to the seed cannot go unnoticed.
 */
import { mulberry32, Random } from './random';

export interface DemoPerson {
  /** 1-based, as in the demo UIN. */
  n: number;
  sex: 'male' | 'female';
  birthDate: Date;
}

/** The seed's household roles: a head, often a spouse, sometimes a grandparent, then children. */
const AGES = { head: [22, 70], spouse: [20, 65], parent: [60, 90], child: [0, 17] } as const;

/**
 * `seededOn` is when the registry was seeded: ages count from its year. The seed also draws the
 * values below that the sandbox does not use (area, names, phones…); they are drawn and dropped.
 */
export function demoPeople(seed: number, individuals: number, seededOn: Date): DemoPerson[] {
  const rnd = mulberry32(seed);
  const born = ([minAge, maxAge]: readonly [number, number]) => {
    const d = new Date(Date.UTC(seededOn.getUTCFullYear() - rnd.int(minAge, maxAge), rnd.int(0, 11), rnd.int(1, 28)));
    return d > seededOn ? new Date(Date.UTC(seededOn.getUTCFullYear() - 1, 0, 1)) : d;
  };
  const people: DemoPerson[] = [];
  while (people.length < individuals) {
    rnd.next(); // area
    rnd.next(); // family name
    rnd.next(); // house number
    rnd.next(); // road
    const size = Math.min(individuals - people.length, rnd.int(1, 7));
    const headSex = rnd.chance(0.35) ? 'female' : 'male';
    const roles: { adult: boolean; sex: DemoPerson['sex']; birthDate: Date }[] = [{ adult: true, sex: headSex, birthDate: born(AGES.head) }];
    if (size > 1 && rnd.chance(0.75)) roles.push({ adult: true, sex: headSex === 'male' ? 'female' : 'male', birthDate: born(AGES.spouse) });
    if (roles.length < size && rnd.chance(0.15)) roles.push({ adult: true, sex: rnd.chance(0.6) ? 'female' : 'male', birthDate: born(AGES.parent) });
    while (roles.length < size) roles.push({ adult: false, sex: rnd.chance(0.5) ? 'female' : 'male', birthDate: born(AGES.child) });
    rnd.next(); // poverty score
    for (const { adult, sex, birthDate } of roles) {
      people.push({ n: people.length + 1, sex, birthDate });
      dropPersonDraws(rnd, adult);
    }
  }
  return people;
}

/** Given name, national id, phone number and e-mail: drawn by the seed for each person, not needed here. */
function dropPersonDraws(rnd: Random, adult: boolean): void {
  rnd.next();
  if (!adult) return;
  rnd.next(); // national id or not
  if (rnd.chance(0.7)) {
    rnd.next(); // phone number
    rnd.next();
  }
  rnd.next(); // e-mail or not
}
