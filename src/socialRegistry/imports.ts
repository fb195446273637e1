/**
 * Importing a social registry's records (from a search or a notification) through the registry's
 * own rules: people deduplicated on any identifier (a known person whose data agrees gains the
 * identifiers it lacks; one whose data disagrees, or identifiers held by different registrants, go
 * to review), new people and households created in bulk, claimed by their identifiers first, and
 * each household's members placed with their roles. Idempotent: importing the same records again
 * changes nothing; two imports at once create each person and household once (the identifier
 * claims and membership slots decide).
 */
import { Types } from 'mongoose';
import { GatewayError } from '../errors';
import { NewReviewItem, raiseReviewItems } from '../crvs/review';
import { createInBulk, registration, Registration } from '../registry/bulkCreate';
import { attachIdentifiers, checkIdentifier } from '../registry/identifiers';
import { addMember } from '../registry/memberships';
import type { RegistryModels } from '../store/models';
import { claimKey } from '../store/models/identifier';
import type { IndividualDoc } from '../store/models/individual';
import type { ReviewReason } from '../store/models/reviewItem';
import { readRecord, SrHousehold, SrIdentifier, SrPerson, SrRecord, UnreadableRecord } from './records';

/** What the import did, counted per registrant (a person or a household). */
export interface ImportCounts {
  created: number;
  updated: number;
  unchanged: number;
  /** Source records that went to review. */
  review: number;
}

export interface ImportOutcome {
  counts: ImportCounts;
  individuals: Types.ObjectId[];
  groups: Types.ObjectId[];
}

interface Claim {
  registrant: Types.ObjectId;
  kind: 'individual' | 'group';
}

const ONE_REPLY = 100_000;
const keyOf = (i: SrIdentifier) => claimKey(i.type, i.value);
const same = (a: string, b: string) => a.localeCompare(b, undefined, { sensitivity: 'base' }) === 0;
const sameDay = (a?: Date, b?: Date) => !a || !b || a.toISOString().slice(0, 10) === b.toISOString().slice(0, 10);

/** The record and the registrant describe one person: names (case aside), sex, and birth day when both know it. */
const consistent = (person: { name: { given: string; family: string }; sex: string; birthDate?: Date | null }, p: SrPerson) =>
  same(person.name.given, p.given) && same(person.name.family, p.family) && (p.sex === 'unknown' || person.sex === p.sex) && sameDay(person.birthDate ?? undefined, p.birthDate);

/**
 * A concurrent import writes its claims first and its people and households just after: a person or
 * household it claimed but has not written yet (NOT_FOUND) is waited for, three seconds at most.
 */
const WRITTEN_SOON_MS = [100, 200, 400, 800, 1600];
async function onceWritten<T>(add: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await add();
    } catch (error) {
      if (!(error instanceof GatewayError && error.code === 'NOT_FOUND') || attempt >= WRITTEN_SOON_MS.length) throw error;
      await new Promise((resolve) => setTimeout(resolve, WRITTEN_SOON_MS[attempt]));
    }
  }
}

const asIndividual = (p: SrPerson) => ({ name: { given: p.given, family: p.family }, sex: p.sex, birthDate: p.birthDate });

class Import {
  readonly counts: ImportCounts = { created: 0, updated: 0, unchanged: 0, review: 0 };
  readonly reviews: NewReviewItem[] = [];
  readonly individuals = new Set<string>();
  readonly groups = new Set<string>();
  private claims = new Map<string, Claim>();
  private known = new Map<string, IndividualDoc>();
  /** Planned new people by identifier key: a person met twice in the batch is created once. */
  private planned = new Map<string, { id: Types.ObjectId; person: SrPerson }>();
  private creations: Registration[] = [];
  private additions: { id: Types.ObjectId; identifier: SrIdentifier }[] = [];
  private updated = new Set<string>();
  /** Registrants of people the import found rather than created. */
  private existing = new Set<string>();

  constructor(
    private readonly models: RegistryModels,
    private readonly dataSource: string,
    private readonly now: Date,
  ) {}

  /** The identifier the registry stores for a record's: issued by the partner's registry, as it says. */
  private identifierInput = (i: SrIdentifier) => ({ ...i, issuer: this.dataSource, verificationStatus: 'unverified' });

  review(record: SrRecord | { digest: string; raw: Record<string, unknown> }, reason: ReviewReason, detail: string, individuals: Types.ObjectId[] = []): void {
    this.reviews.push({ kind: 'social', reason, detail, sourceKey: record.digest, record: record.raw, individuals });
  }

  /** Every identifier the records carry, looked up in one `_id $in`; the individuals they name in one more. */
  async lookUp(records: SrRecord[]): Promise<void> {
    const people = records.flatMap((r) => (r.kind === 'group' ? r.household.members : [r.person]));
    const keys = [...new Set([...people.flatMap((p) => p.identifiers), ...records.flatMap((r) => (r.kind === 'group' ? r.household.identifiers : []))].map(keyOf))];
    const found = keys.length ? await this.models.IdentifierClaim.find({ _id: { $in: keys } }, { registrant: 1, registrantKind: 1, removing: 1 }).batchSize(ONE_REPLY).lean() : [];
    this.claims = new Map(found.filter((c) => !c.removing).map((c) => [c._id, { registrant: c.registrant, kind: c.registrantKind }]));
    const ids = [...new Set([...this.claims.values()].filter((c) => c.kind === 'individual').map((c) => `${c.registrant}`))].map((id) => new Types.ObjectId(id));
    const docs = ids.length ? await this.models.Individual.find({ _id: { $in: ids } }).batchSize(ONE_REPLY).lean() : [];
    this.known = new Map(docs.map((d) => [`${d._id}`, d]));
  }

  private holders(identifiers: SrIdentifier[], kind: Claim['kind']): { mine: string[]; others: number } {
    const claims = identifiers.map((i) => this.claims.get(keyOf(i))).filter((c): c is Claim => Boolean(c));
    return { mine: [...new Set(claims.filter((c) => c.kind === kind).map((c) => `${c.registrant}`))], others: claims.filter((c) => c.kind !== kind).length };
  }

  /** The registrant a record's person is, existing or planned; undefined when the person went to review. */
  person(record: SrRecord, p: SrPerson): Types.ObjectId | undefined {
    const { mine, others } = this.holders(p.identifiers, 'individual');
    if (mine.length > 1 || others > 0) {
      this.review(record, 'IDENTIFIER_CONFLICT', `a person's identifiers belong to ${mine.length + others} different registrants`, mine.map((m) => new Types.ObjectId(m)));
      return undefined;
    }
    if (mine.length === 1) {
      const doc = this.known.get(mine[0]);
      const id = new Types.ObjectId(mine[0]);
      if (!doc || !consistent(doc, p)) {
        this.review(record, 'DUPLICATE_RECORD', 'the registrant holding a person\'s identifier has different data', [id]);
        return undefined;
      }
      for (const identifier of p.identifiers.filter((i) => !this.claims.has(keyOf(i)))) {
        this.additions.push({ id, identifier });
        this.claims.set(keyOf(identifier), { registrant: id, kind: 'individual' });
      }
      this.existing.add(mine[0]);
      return id;
    }
    const earlier = p.identifiers.map((i) => this.planned.get(keyOf(i))).find(Boolean);
    if (earlier) {
      if (consistent(asIndividual(earlier.person), p)) return earlier.id;
      this.review(record, 'DUPLICATE_RECORD', 'another record of this person carries different data', [earlier.id]);
      return undefined;
    }
    const id = new Types.ObjectId();
    try {
      this.creations.push(
        registration({ kind: 'individual', _id: id, input: { ...asIndividual(p), name: { given: p.given, family: p.family, middle: p.middle }, addresses: p.address ? [p.address] : [] }, identifiers: p.identifiers.map(this.identifierInput) }, this.now),
      );
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      this.review(record, 'INVALID_RECORD', error.message);
      return undefined;
    }
    for (const i of p.identifiers) this.planned.set(keyOf(i), { id, person: p });
    return id;
  }

  /** Writes the planned people (claims first); returns the planned id → the registrant that holds the person. */
  async createPeople(): Promise<Map<string, Types.ObjectId>> {
    const { created, lost } = await createInBulk(this.models, this.creations, { now: this.now });
    this.counts.created += created.length;
    const resolved = new Map<string, Types.ObjectId>();
    // Someone else registered these people meanwhile (a concurrent import): theirs is the registrant.
    for (const r of this.creations.filter((c) => lost.has(`${c._id}`))) {
      const claim = await this.models.IdentifierClaim.findById(r.claims[0]._id, { registrant: 1 }).lean();
      if (claim) {
        resolved.set(`${r._id}`, claim.registrant);
        this.existing.add(`${claim.registrant}`);
      }
    }
    for (const a of this.additions) {
      const identifier = checkIdentifier(this.identifierInput(a.identifier), 'identifier');
      await attachIdentifiers(this.models, { kind: 'individual', id: a.id }, [identifier], this.now).catch((error: unknown) => {
        // Attached meanwhile by a concurrent import of the same record.
        if (!(error instanceof GatewayError && error.details.reason === 'DUPLICATE_IDENTIFIER')) throw error;
      });
      this.updated.add(`${a.id}`);
    }
    return resolved;
  }

  /** The household: the registrant holding its identifiers, or a new one; then its members placed. */
  async household(record: SrRecord, h: SrHousehold, members: { id: Types.ObjectId; person: SrPerson }[]): Promise<void> {
    const { mine, others } = this.holders(h.identifiers, 'group');
    if (mine.length > 1 || others > 0) {
      this.review(record, 'IDENTIFIER_CONFLICT', `the household's identifiers belong to ${mine.length + others} different registrants`, members.map((m) => m.id));
      return;
    }
    let group = mine[0] ? new Types.ObjectId(mine[0]) : undefined;
    let isNew = false;
    if (!group) {
      const head = members.find((m) => m.person.role === 'head') ?? members[0];
      const family = head?.person.family ?? h.members[0]?.family ?? 'Unnamed';
      const id = new Types.ObjectId();
      let planned: Registration;
      try {
        planned = registration(
          { kind: 'group', _id: id, input: { kind: 'household', name: `${family} household`, address: h.address, povertyScore: h.povertyScore, povertyScoreType: h.povertyScoreType }, identifiers: h.identifiers.map(this.identifierInput), members: [] },
          this.now,
        );
      } catch (error) {
        if (!(error instanceof GatewayError)) throw error;
        this.review(record, 'INVALID_RECORD', error.message);
        return;
      }
      const { created, lost } = await createInBulk(this.models, [planned], { now: this.now });
      isNew = created.length > 0;
      if (lost.size > 0) group = (await this.models.IdentifierClaim.findById(planned.claims[0]._id, { registrant: 1 }).lean())?.registrant;
      else group = id;
      if (!group) return;
      for (const i of h.identifiers) this.claims.set(keyOf(i), { registrant: group, kind: 'group' });
    }
    this.groups.add(`${group}`);
    const current = await this.models.Group.findById(group, { members: 1 }).lean();
    const placed = new Set((current?.members ?? []).map((m) => `${m.individual}`));
    let changed = false;
    for (const m of members.filter((x) => !placed.has(`${x.id}`))) {
      try {
        await onceWritten(() => addMember(this.models, { groupId: `${group}`, individualId: `${m.id}`, role: m.person.role }, this.now));
        changed = true;
      } catch (error) {
        if (!(error instanceof GatewayError)) throw error;
        // Placed meanwhile by a concurrent import of the same household.
        if (error.details.reason === 'ALREADY_MEMBER') continue;
        this.review(record, 'HOUSEHOLD_CONFLICT', `a member could not join the household: ${error.message}`, [m.id]);
      }
    }
    if (isNew) this.counts.created++;
    else if (changed) this.counts.updated++;
    else this.counts.unchanged++;
  }

  /** People who existed before this import (or were registered by a concurrent one): updated when they gained an identifier. */
  countKnown(): void {
    for (const id of this.existing) {
      if (this.updated.has(id)) this.counts.updated++;
      else this.counts.unchanged++;
    }
  }
}

/** Imports raw social-registry records (Group or Member) into the registry. */
export async function importRecords(models: RegistryModels, dataSource: string, raws: Record<string, unknown>[], now: Date): Promise<ImportOutcome> {
  const run = new Import(models, dataSource, now);
  const records: SrRecord[] = [];
  for (const raw of raws) {
    try {
      records.push(readRecord(raw));
    } catch (error) {
      if (!(error instanceof UnreadableRecord)) throw error;
      run.review({ digest: error.digest, raw: error.raw }, 'INVALID_RECORD', error.message);
    }
  }
  await run.lookUp(records);
  const resolved = records.map((record) => {
    const people = record.kind === 'group' ? record.household.members : [record.person];
    const members = people.flatMap((person) => {
      const id = run.person(record, person);
      return id ? [{ id, person }] : [];
    });
    return { record, members };
  });
  const lost = await run.createPeople();
  for (const { members } of resolved) {
    for (const m of members) {
      m.id = lost.get(`${m.id}`) ?? m.id;
      run.individuals.add(`${m.id}`);
    }
  }
  run.countKnown();
  for (const { record, members } of resolved) if (record.kind === 'group') await run.household(record, record.household, members);
  await raiseReviewItems(models, dataSource, run.reviews, now);
  run.counts.review = new Set(run.reviews.map((r) => r.sourceKey)).size;
  return { counts: run.counts, individuals: [...run.individuals].map((id) => new Types.ObjectId(id)), groups: [...run.groups].map((id) => new Types.ObjectId(id)) };
}
