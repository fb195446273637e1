/** The review queue: source records a person has to look at, listed and resolved over GraphQL. */
import { Types } from 'mongoose';
import { conflict, notFound } from '../errors';
import { insertNew } from '../registry/bulkCreate';
import { objectId, oneOf, text } from '../registry/input';
import { findPage } from '../registry/pagination';
import { isDuplicateKey } from '../store/duplicateKey';
import type { RegistryModels } from '../store/models';
import { REVIEW_STATUSES, ReviewItemDoc, ReviewReason } from '../store/models/reviewItem';

export interface NewReviewItem {
  kind: ReviewItemDoc['kind'];
  reason: ReviewReason;
  detail: string;
  /** Registration number and digest of the source record: one item per source record. */
  sourceKey: string;
  record: Record<string, unknown>;
  individuals?: Types.ObjectId[];
}

/** Inserts the items not raised before (in one write); an item seen again keeps its status. */
export async function raiseReviewItems(models: RegistryModels, dataSource: string, items: NewReviewItem[], now: Date): Promise<void> {
  if (items.length === 0) return;
  const docs = items.map((item) => ({
    key: `${item.kind}:${item.reason}:${item.sourceKey}`,
    kind: item.kind,
    reason: item.reason,
    detail: item.detail,
    status: 'open',
    dataSource,
    record: JSON.stringify(item.record),
    individuals: item.individuals ?? [],
    createdAt: now,
  }));
  await insertNew(models.CrvsReviewItem, docs);
}

export async function listReviewItems(models: RegistryModels, args: { status?: string | null; first?: number | null; after?: string | null }) {
  const query = args.status ? { status: oneOf('status', args.status, REVIEW_STATUSES) } : {};
  return findPage<ReviewItemDoc, never>(models.CrvsReviewItem, query, { first: args.first, after: args.after }, {} as Record<never, string>);
}

/** Resolves an open item once; the resolution says what the reviewer did (or decided not to do). */
export async function resolveReviewItem(models: RegistryModels, rawId: string, rawResolution: string, by: string | undefined, now: Date): Promise<ReviewItemDoc> {
  const id = objectId('id', rawId);
  const resolution = text('resolution', rawResolution, { required: true, max: 500 })!;
  const current = await models.CrvsReviewItem.findById(id).lean();
  if (!current) throw notFound('review item');
  if (current.status === 'resolved') throw conflict('ALREADY_RESOLVED', 'the review item is already resolved');
  // Two reviewers at once: the claim row decides (conditional updates are not atomic on every engine).
  try {
    await models.VersionClaim.create({ _id: `crvs-review-resolved:${id}`, at: now });
  } catch (error) {
    if (isDuplicateKey(error)) throw conflict('ALREADY_RESOLVED', 'the review item is already resolved');
    throw error;
  }
  const update = { status: 'resolved', resolution, resolvedAt: now, ...(by && { resolvedBy: by }) };
  return (await models.CrvsReviewItem.findByIdAndUpdate(id, { $set: update }, { new: true }).lean())!;
}
