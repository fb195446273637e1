/**
 * Applying CRVS death records (from a search page or a notification): the person is found by UIN,
 * the death recorded (idempotent for the same date), the DRN attached, and the event kept in the
 * civil-event history under its source key. A re-delivered event changes nothing; an unknown
 * person or a contradicting death goes to review.
 */
import { Types } from 'mongoose';
import { GatewayError } from '../errors';
import { invalidateDeath } from '../indicators/invalidation';
import { attachIdentifiers, checkIdentifier } from '../registry/identifiers';
import { recordDeath } from '../registry/individuals';
import type { CrvsCounts } from '../store/models/crvsImport';
import { claimKey } from '../store/models/identifier';
import type { ApplyContext } from './births';
import { ONE_REPLY } from './bulk';
import { DeathRecord, readAll, readDeath } from './records';
import { NewReviewItem, raiseReviewItems } from './review';

const eventKey = (d: DeathRecord) => (d.drn ? `death:${d.drn}` : `death:UIN:${d.uin}:${d.deathDate.toISOString().slice(0, 10)}`);

export async function applyDeaths(ctx: ApplyContext, raws: Record<string, unknown>[]): Promise<CrvsCounts> {
  const { models, now } = ctx;
  const counts: CrvsCounts = { created: 0, updated: 0, unchanged: 0, review: 0 };
  const { records, review: reviews } = readAll(raws, readDeath, 'death');
  const known = new Set((await (records.length ? models.CrvsCivilEvent.find({ _id: { $in: records.map(eventKey) }, individual: { $exists: true } }, { _id: 1 }).batchSize(ONE_REPLY).lean() : [])).map((e) => e._id));
  const fresh = records.filter((d) => !known.has(eventKey(d)));
  counts.unchanged += records.length - fresh.length;
  const keys = [...new Set(fresh.flatMap((d) => [claimKey('UIN', d.uin), ...(d.drn ? [claimKey('DRN', d.drn)] : [])]))];
  const found = keys.length ? await models.IdentifierClaim.find({ _id: { $in: keys } }, { registrant: 1, removing: 1 }).batchSize(ONE_REPLY).lean() : [];
  const holders = new Map(found.filter((f) => !f.removing).map((f) => [f._id, f.registrant]));
  const holder = (type: string, value: string) => holders.get(claimKey(type, value));

  for (const d of fresh) {
    const review = (reason: NewReviewItem['reason'], detail: string, individuals: Types.ObjectId[] = []) =>
      reviews.push({ kind: 'death', reason, detail, sourceKey: `${d.drn ?? d.uin}:${d.digest}`, record: d.raw, individuals });
    const person = holder('UIN', d.uin);
    if (!person) {
      review('PERSON_NOT_FOUND', 'no registrant holds the UIN of the deceased');
      continue;
    }
    const drnHolder = d.drn ? holder('DRN', d.drn) : undefined;
    if (drnHolder && !drnHolder.equals(person)) {
      review('IDENTIFIER_CONFLICT', 'the DRN is registered to another registrant', [person, drnHolder]);
      continue;
    }
    let changed: boolean;
    try {
      const before = await models.Individual.findById(person, { status: 1 }).lean();
      changed = (await recordDeath(models, `${person}`, d.deathDate, now)).status !== before?.status;
    } catch (error) {
      if (!(error instanceof GatewayError) || (error.code !== 'CONFLICT' && error.code !== 'BAD_USER_INPUT' && error.code !== 'NOT_FOUND')) throw error;
      review(error.code === 'CONFLICT' ? 'DEATH_CONFLICT' : 'INVALID_RECORD', error.message, [person]);
      continue;
    }
    if (d.drn && !drnHolder) {
      const drn = checkIdentifier({ type: 'DRN', value: d.drn, issuer: 'CRVS', verificationStatus: 'verified' }, 'identifier');
      await attachIdentifiers(models, { kind: 'individual', id: person }, [drn], now).catch((error: unknown) => {
        // Attached meanwhile by a concurrent delivery of the same event.
        if (!(error instanceof GatewayError && error.details.reason === 'DUPLICATE_IDENTIFIER')) throw error;
      });
      changed = true;
    }
    await models.CrvsCivilEvent.updateOne(
      { _id: eventKey(d) },
      { $setOnInsert: { kind: 'death', registrationType: d.drn ? 'DRN' : 'UIN', registrationNumber: d.drn ?? d.uin, date: d.deathDate, dataSource: ctx.dataSource, via: ctx.via, receivedAt: now }, $set: { individual: person } },
      { upsert: true },
    );
    // At once, not when the outbox is next read: an eligibility decided meanwhile must not count the dead as alive.
    await invalidateDeath(models, person, now);
    if (changed) counts.updated++;
    else counts.unchanged++;
  }
  await raiseReviewItems(models, ctx.dataSource, reviews, now);
  counts.review = reviews.length;
  return counts;
}
