/**
 * A deterministic synthetic registry for demos, tests and benchmarks: households with a head,
 * often a spouse, children and sometimes a grandparent, spread over several areas, with UINs,
 * national ids, birth registration numbers and household ids. The same seed gives the same people
 * and the same identifier values, down to every id. Written in bulk (a few inserts per batch of
 * households), each record checked and stored as a single registration would be, with the outbox
 * event it would leave.
 *
 * Resumable: a seed run document records the seed, the size, the clock and the batches written. A
 * run stopped at any point (Ctrl-C, SIGKILL) is completed by running the same seed and size again:
 * the batches are generated again from the start, identical, those recorded as written are skipped,
 * and the one that may be partly written is written again, skipping what is already there.
 */
import { Types } from 'mongoose';
import { mulberry32 } from '../../adapters/dci/sandbox/random';
import { GatewayError } from '../errors';
import { isDuplicateKey } from '../store/duplicateKey';
import type { RegistryModels } from '../store/models';
import type { MembershipDoc } from '../store/models/membership';
import type { SeedRunDoc } from '../store/models/seedRun';
import { createInBulk, Registration, registration } from './bulkCreate';
import { createLocation, findLocation, LocationInput } from './locations';

export const AREAS = [
  { areaCode: 'NR-01', regionCode: 'NR', locality: 'Kinta' },
  { areaCode: 'NR-02', regionCode: 'NR', locality: 'Mabele' },
  { areaCode: 'CE-01', regionCode: 'CE', locality: 'Odala' },
  { areaCode: 'CE-02', regionCode: 'CE', locality: 'Rivo' },
  { areaCode: 'SO-01', regionCode: 'SO', locality: 'Tandu' },
  { areaCode: 'SO-02', regionCode: 'SO', locality: 'Umbali' },
] as const;
export const COUNTRY = 'ZZ';

const REGIONS: Record<(typeof AREAS)[number]['regionCode'], string> = { NR: 'Northern Region', CE: 'Central Region', SO: 'Southern Region' };

/** The demo's location hierarchy, its regions and the areas of AREAS, added where missing. */
export async function seedDemoLocations(models: RegistryModels, now: Date): Promise<void> {
  const places: LocationInput[] = [
    ...Object.entries(REGIONS).map(([code, name]) => ({ code, name, type: 'region', parent: null })),
    ...AREAS.map((a) => ({ code: a.areaCode, name: a.locality, type: 'area', parent: a.regionCode })),
  ];
  for (const place of places) if (!(await findLocation(models, place.code))) await createLocation(models, place, now);
}

const GIVEN = {
  female: ['Amina', 'Grace', 'Fatima', 'Mary', 'Zainab', 'Joy', 'Ruth', 'Halima', 'Esther', 'Nadia', 'Lina', 'Sara', 'Mercy', 'Aisha', 'Rose', 'Imani'],
  male: ['John', 'Ahmed', 'Peter', 'Samuel', 'Ibrahim', 'David', 'Musa', 'Daniel', 'Yusuf', 'Joseph', 'Omar', 'Paul', 'Elijah', 'Hassan', 'Tomas', 'Kofi'],
};
const FAMILY = ['Okafor', 'Mensah', 'Banda', 'Diallo', 'Kamau', 'Mwangi', 'Nkosi', 'Traore', 'Phiri', 'Osei', 'Abebe', 'Moyo', 'Sesay', 'Kariuki', 'Lungu', 'Ndlovu', 'Bello', 'Tembo', 'Achieng', 'Haile'];

/** Identifier values of demo person n (1-based) and household h: stable, documented, collision-free. */
export const demoUin = (seed: number, n: number) => `${seed % 90 + 10}${String(n).padStart(8, '0')}`;
export const demoHouseholdId = (seed: number, h: number) => `HH-${seed}-${String(h).padStart(6, '0')}`;

/** What a seeded id stands for: one byte of the id, so ids of different kinds never meet. */
const KIND = { group: 1, individual: 2, membership: 3, personIdentifier: 4, householdIdentifier: 5 } as const;

/**
 * The id of the n-th record of a kind in the registry seeded with `seed`: a marker byte, the kind,
 * the seed, n and a sub-number (an identifier's position). Seeded ids sort before ids made now, in
 * the order the records were generated.
 */
export function seededId(kind: keyof typeof KIND, seed: number, n: number, sub = 0): Types.ObjectId {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt8(0x5e, 0);
  bytes.writeUInt8(KIND[kind], 1);
  bytes.writeUInt32BE(seed >>> 0, 2);
  bytes.writeUInt32BE(n, 6);
  bytes.writeUInt16BE(sub, 10);
  return new Types.ObjectId(bytes);
}

export interface SeedOptions {
  individuals: number;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
  /** The clock of a new run (a resumed run keeps its own). */
  now?: Date;
}

const BATCH_HOUSEHOLDS = 250;
const DEMO_ISSUER = { issuer: 'demo-registry', verificationStatus: 'verified' };
const RUN_ID = 'demo';

const refused = (message: string, reason: string) => new GatewayError('CONFLICT', message, { reason });
const NOT_EMPTY = 'the registry is not empty: demo data is only seeded into an empty registry';

/** The seed run recorded in the registry, if any. */
export const seedRun = (models: RegistryModels) => models.SeedRun.findById(RUN_ID).lean<SeedRunDoc>();

/**
 * Starts a run on an empty registry, or takes up the interrupted run of the same seed and size.
 * Synthetic identifiers could collide with real ones: demo data only ever goes into an empty registry.
 */
async function startRun(models: RegistryModels, seed: number, individuals: number, now: Date): Promise<SeedRunDoc> {
  const run = await seedRun(models);
  if (run?.done) throw refused(NOT_EMPTY, 'NOT_EMPTY');
  if (run && (run.seed !== seed || run.individuals !== individuals)) {
    throw refused(
      `the registry holds an interrupted seed of ${run.individuals} individuals with seed ${run.seed}; only that seed can complete it`,
      'OTHER_SEED_INTERRUPTED',
    );
  }
  if (run) return run;
  if ((await models.Individual.countDocuments({}).limit(1)) > 0 || (await models.Group.countDocuments({}).limit(1)) > 0) throw refused(NOT_EMPTY, 'NOT_EMPTY');
  const fresh: SeedRunDoc = { _id: RUN_ID, seed, individuals, at: now, batchesDone: 0, done: false };
  try {
    await models.SeedRun.create(fresh);
  } catch (error) {
    if (isDuplicateKey(error)) throw refused('another seed of this registry has just started', 'SEED_RUNNING');
    throw error;
  }
  return fresh;
}

/**
 * What `serve --demo` seeds: the interrupted run, whatever its seed and size, or a new one of
 * `wanted` when the registry is empty; nothing when seeding is done or the registry holds other data.
 */
export async function demoSeedToRun(models: RegistryModels, wanted: { individuals: number; seed: number }) {
  const run = await seedRun(models);
  if (run) return run.done ? null : { individuals: run.individuals, seed: run.seed, resumed: true };
  if ((await models.Individual.countDocuments({}).limit(1)) > 0) return null;
  return { ...wanted, resumed: false };
}

export async function seedRegistry(models: RegistryModels, opts: SeedOptions) {
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(opts.individuals) || opts.individuals < 1 || opts.individuals > 5_000_000) {
    throw new GatewayError('BAD_USER_INPUT', 'individuals must be between 1 and 5,000,000');
  }
  const run = await startRun(models, seed, opts.individuals, opts.now ?? new Date());
  const now = run.at;
  const rnd = mulberry32(seed);
  const birth = (minAge: number, maxAge: number) => {
    const d = new Date(Date.UTC(now.getUTCFullYear() - rnd.int(minAge, maxAge), rnd.int(0, 11), rnd.int(1, 28)));
    return d > now ? new Date(Date.UTC(now.getUTCFullYear() - 1, 0, 1)) : d;
  };

  let person = 0;
  let household = 0;
  for (let batchNo = 0; person < opts.individuals; batchNo++) {
    const batch: Registration[] = [];
    for (let h = 0; h < BATCH_HOUSEHOLDS && person < opts.individuals; h++) {
      household += 1;
      const area = rnd.pick(AREAS);
      const family = rnd.pick(FAMILY);
      const address = { line: `${rnd.int(1, 400)} ${rnd.pick(['Market', 'River', 'Church', 'School', 'Hill'])} Road`, locality: area.locality, areaCode: area.areaCode, regionCode: area.regionCode, country: COUNTRY };
      const groupId = seededId('group', seed, household);
      const size = Math.min(opts.individuals - person, rnd.int(1, 7));
      const headSex = rnd.chance(0.35) ? 'female' : 'male';
      const roles: { role: MembershipDoc['role']; sex: 'male' | 'female'; born: Date }[] = [{ role: 'head', sex: headSex, born: birth(22, 70) }];
      if (size > 1 && rnd.chance(0.75)) roles.push({ role: 'spouse', sex: headSex === 'male' ? 'female' : 'male', born: birth(20, 65) });
      if (roles.length < size && rnd.chance(0.15)) roles.push({ role: 'parent', sex: rnd.chance(0.6) ? 'female' : 'male', born: birth(60, 90) });
      while (roles.length < size) roles.push({ role: 'child', sex: rnd.chance(0.5) ? 'female' : 'male', born: birth(0, 17) });
      const members = roles.map((m, i) => ({ ...m, individual: seededId('individual', seed, person + i + 1), membership: seededId('membership', seed, person + i + 1) }));

      batch.push(registration({
        kind: 'group', _id: groupId, members,
        input: { kind: 'household', name: `${family} household`, address, povertyScore: Math.round(rnd.next() * 1000) / 10, povertyScoreType: 'PMT' },
        identifiers: [{ type: 'HOUSEHOLD_ID', value: demoHouseholdId(seed, household), ...DEMO_ISSUER, _id: seededId('householdIdentifier', seed, household) }],
      }, now));

      for (const member of members) {
        person += 1;
        const adult = member.role !== 'child';
        const given = rnd.pick(GIVEN[member.sex]);
        const ids = [{ type: 'UIN', value: demoUin(seed, person) }];
        if (adult && rnd.chance(0.8)) ids.push({ type: 'NATIONAL_ID', value: `NID${String(seed).padStart(3, '0')}${String(person).padStart(9, '0')}` });
        if (!adult) ids.push({ type: 'BRN', value: `BRN-${seed}-${String(person).padStart(8, '0')}` });
        batch.push(registration({
          kind: 'individual', _id: member.individual,
          identifiers: ids.map((i, k) => ({ ...i, ...DEMO_ISSUER, _id: seededId('personIdentifier', seed, person, k) })),
          input: {
            name: { given, family }, sex: member.sex, birthDate: member.born, addresses: [address],
            phoneNumbers: adult && rnd.chance(0.7) ? [`+99 ${rnd.int(700, 799)} ${String(rnd.int(0, 999999)).padStart(6, '0')}`] : [],
            emails: adult && rnd.chance(0.2) ? [`${given}.${family}.${person}@example.org`.toLowerCase()] : [],
          },
        }, now));
      }
    }
    if (batchNo >= run.batchesDone) {
      const { lost } = await createInBulk(models, batch, { now });
      if (lost.size > 0) throw refused(`${lost.size} demo identifiers are held by other registrants`, 'NOT_EMPTY');
      await models.SeedRun.updateOne({ _id: RUN_ID }, { $set: { batchesDone: batchNo + 1 } });
    }
    opts.onProgress?.(person, opts.individuals);
  }
  await models.SeedRun.updateOne({ _id: RUN_ID }, { $set: { done: true } });
  return { individuals: person, groups: household };
}
