/**
 * Applying one page of CRVS birth records to the registry: bulk look-ups (one `$in` per page, not
 * one query per record), dedup on any identifier, new individuals guarded by their BRN (the unique
 * identifier insert comes first, so a stopped import never leaves a second person for a BRN), the
 * household step, and review items for what the gateway will not decide alone. Idempotent: a page
 * applied twice changes nothing the second time.
 */
import { Types } from 'mongoose';
import { GatewayError } from '../errors';
import { createInBulk, insertNew, Registration, registration } from '../registry/bulkCreate';
import { attachIdentifiers, checkIdentifier } from '../registry/identifiers';
import { claimKey } from '../store/models/identifier';
import type { RegistryModels } from '../store/models';
import type { CrvsCounts } from '../store/models/crvsImport';
import type { IndividualDoc } from '../store/models/individual';
import { ONE_REPLY } from './bulk';
import { ChildOfMother, linkHouseholds } from './households';
import { BirthRecord, readAll, readBirth } from './records';
import { NewReviewItem, raiseReviewItems } from './review';

export interface ApplyContext {
  models: RegistryModels;
  dataSource: string;
  via: 'search' | 'notify';
  now: Date;
}

const idKey = (type: string, value: string) => `${type}\n${value}`;
const sameDay = (a?: Date, b?: Date) => Boolean(a && b && a.toISOString().slice(0, 10) === b.toISOString().slice(0, 10));
const same = (a: string, b: string) => a.localeCompare(b, undefined, { sensitivity: 'base' }) === 0;

/** The record describes this person: names (case aside), sex and birth day agree. */
function consistent(person: Pick<IndividualDoc, 'name' | 'sex' | 'birthDate'>, r: BirthRecord): boolean {
  return same(person.name.given, r.given) && same(person.name.family, r.family) && person.sex === r.sex && sameDay(person.birthDate, r.birthDate);
}

const asPerson = (r: BirthRecord) => ({ name: { given: r.given, family: r.family }, sex: r.sex, birthDate: r.birthDate });

/** The civil registry issued the identifiers it sends. */
const FROM_CRVS = { issuer: 'CRVS', verificationStatus: 'verified' as const };

/** A new child's registration, checked with the registry's input rules; the BRN, first, claims the child. */
const childRegistration = (id: Types.ObjectId, r: BirthRecord, now: Date) =>
  registration({
    kind: 'individual',
    _id: id,
    input: { name: { given: r.given, family: r.family, middle: r.middle }, sex: r.sex, birthDate: r.birthDate, addresses: r.address ? [r.address] : [] },
    identifiers: [{ type: 'BRN', value: r.brn }, ...r.others].map((i) => ({ ...i, ...FROM_CRVS })),
  }, now);

interface Plan {
  counts: CrvsCounts;
  review: NewReviewItem[];
  /** New people, some perhaps claimed already by a stopped run that never wrote the individual. */
  creations: Registration[];
  /** Existing people missing an identifier the record carries. */
  additions: { id: Types.ObjectId; type: string; value: string }[];
  /** Children whose household the record can tell (mother known), new or existing. */
  children: ChildOfMother[];
  events: { id: Types.ObjectId; record: BirthRecord }[];
}

const reviewOf = (r: BirthRecord, reason: NewReviewItem['reason'], detail: string, individuals: Types.ObjectId[] = []): NewReviewItem => ({
  kind: 'birth',
  reason,
  detail,
  sourceKey: `${r.brn}:${r.digest}`,
  record: r.raw,
  individuals,
});

async function plan(ctx: ApplyContext, records: BirthRecord[], p: Plan): Promise<void> {
  // Children's and mothers' identifier claims in one query by `_id`, then everyone they name in one more.
  const pairs = records.flatMap((r) => [{ type: 'BRN', value: r.brn }, ...r.others, ...(r.mother ? [r.mother] : [])]);
  const keys = [...new Set(pairs.map((i) => claimKey(i.type, i.value)))];
  const found = keys.length ? await ctx.models.IdentifierClaim.find({ _id: { $in: keys } }, { 'identifier.type': 1, 'identifier.value': 1, registrant: 1, registrantKind: 1, removing: 1 }).batchSize(ONE_REPLY).lean() : [];
  const holders = new Map(found.filter((f) => f.registrantKind === 'individual' && !f.removing).map((f) => [idKey(f.identifier.type, f.identifier.value), f.registrant]));
  const matchedIds = [...new Set([...holders.values()].map(String))].map((id) => new Types.ObjectId(id));
  const people = new Map((await (matchedIds.length ? ctx.models.Individual.find({ _id: { $in: matchedIds } }).batchSize(ONE_REPLY).lean() : [])).map((p) => [`${p._id}`, p]));
  const motherOf = (r: BirthRecord) => {
    const holder = r.mother && holders.get(idKey(r.mother.type, r.mother.value));
    return holder ? people.get(`${holder}`) : undefined;
  };
  const planned = new Map<string, { id: Types.ObjectId; record: BirthRecord }>();

  for (const r of records) {
    const ids = [{ type: 'BRN', value: r.brn }, ...r.others];
    const matches = [...new Set(ids.map((i) => holders.get(idKey(i.type, i.value))).filter(Boolean).map(String))];
    if (matches.length > 1) {
      p.review.push(reviewOf(r, 'IDENTIFIER_CONFLICT', `the record's identifiers belong to ${matches.length} different registrants`, matches.map((m) => new Types.ObjectId(m))));
      continue;
    }
    const earlier = planned.get(r.brn);
    if (earlier) {
      // The same BRN twice in the range: a repeat is harmless, different data is a registry conflict.
      if (consistent(asPerson(earlier.record), r)) p.counts.unchanged++;
      else p.review.push(reviewOf(r, 'DUPLICATE_RECORD', 'another record of this BRN carries different data', [earlier.id]));
      continue;
    }
    const id = matches[0] ? new Types.ObjectId(matches[0]) : new Types.ObjectId();
    const person = matches[0] ? people.get(matches[0]) : undefined;
    if (person) {
      if (!consistent(person, r)) {
        p.review.push(reviewOf(r, 'DUPLICATE_RECORD', 'the registrant holding this identifier has different data', [id]));
        continue;
      }
      const missing = ids.filter((i) => !holders.has(idKey(i.type, i.value)));
      p.additions.push(...missing.map((m) => ({ id, ...m })));
      if (missing.length > 0) p.counts.updated++;
      else p.counts.unchanged++;
    } else {
      // No holder, or a BRN whose individual was never written (the import stopped in between): create it.
      let child: Registration;
      try {
        child = childRegistration(id, r, ctx.now);
      } catch (error) {
        if (!(error instanceof GatewayError)) throw error;
        p.review.push(reviewOf(r, 'INVALID_RECORD', error.message));
        continue;
      }
      p.creations.push(child);
    }
    planned.set(r.brn, { id, record: r });
    p.events.push({ id, record: r });
    if (r.mother) p.children.push({ child: id, isNew: !person, record: r, mother: motherOf(r) });
  }
}

/**
 * Writes the new people (each claimed by its BRN) and the identifiers known people lack. Returns
 * the planned ids that lost their BRN to a concurrent import (that import owns the child).
 */
async function create(ctx: ApplyContext, p: Plan): Promise<Set<string>> {
  const { models, now } = ctx;
  const { created, lost } = await createInBulk(models, p.creations, { now });
  p.counts.created += created.length;
  p.counts.unchanged += p.creations.length - created.length;
  // Rare (a known child gains a UIN): the per-record path is fine here.
  for (const a of p.additions) {
    const identifier = checkIdentifier({ type: a.type, value: a.value, ...FROM_CRVS }, 'identifier');
    await attachIdentifiers(models, { kind: 'individual', id: a.id }, [identifier], now).catch((error: unknown) => {
      // Claimed meanwhile by a concurrent import, or by a stopped run of this one (settled on the way).
      if (!(error instanceof GatewayError && error.details.reason === 'DUPLICATE_IDENTIFIER')) throw error;
    });
  }
  return lost;
}

/** Applies one page of birth records; returns what happened to them. */
export async function applyBirths(ctx: ApplyContext, raws: Record<string, unknown>[]): Promise<CrvsCounts> {
  const { records, review } = readAll(raws, readBirth, 'birth');
  const p: Plan = { counts: { created: 0, updated: 0, unchanged: 0, review: 0 }, review, creations: [], additions: [], children: [], events: [] };
  await plan(ctx, records, p);
  const lost = await create(ctx, p);
  const linked = await linkHouseholds(ctx, p.children.filter((c) => !lost.has(`${c.child}`)), p.review);
  // An existing child newly placed in a household was updated, not left unchanged.
  const moved = Math.min(linked.existingChildrenLinked, p.counts.unchanged);
  p.counts.unchanged -= moved;
  p.counts.updated += moved;
  await insertNew(
    ctx.models.CrvsCivilEvent,
    p.events.filter((e) => !lost.has(`${e.id}`)).map((e) => ({
      _id: `birth:${e.record.brn}`, kind: 'birth', registrationType: 'BRN', registrationNumber: e.record.brn, date: e.record.birthDate,
      dataSource: ctx.dataSource, via: ctx.via, individual: e.id, receivedAt: ctx.now,
    })),
  );
  await raiseReviewItems(ctx.models, ctx.dataSource, p.review, ctx.now);
  p.counts.review = new Set(p.review.map((r) => r.sourceKey)).size;
  return p.counts;
}
