/**
 * The right to make one write, held by a row of `version_claims` (a unique `_id` per write): exactly
 * one concurrent caller inserts it, on every engine. Conditional updates alone would not do: FerretDB
 * 1.x applies them as read-then-write, so two callers could both match.
 */
import { isDuplicateKey } from '../store/duplicateKey';
import type { RegistryModels } from '../store/models';

/** A claim left by a writer that died before writing stops blocking after this. */
const ABANDONED_CLAIM_MS = 30_000;

/**
 * True for the one caller that claims write `_id`. A claim whose writer died before writing (the
 * write is `stillNeeded`) is taken over once it is old.
 */
export async function claimWrite(models: RegistryModels, _id: string, stillNeeded: () => Promise<boolean>, now: Date): Promise<boolean> {
  try {
    await models.VersionClaim.create({ _id, at: now });
    return true;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const stale = await models.VersionClaim.findOneAndDelete({ _id, at: { $lt: new Date(now.getTime() - ABANDONED_CLAIM_MS) } }).lean();
    return stale !== null && (await stillNeeded()) && claimWrite(models, _id, stillNeeded, now);
  }
}
