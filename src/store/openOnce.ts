/**
 * Opens at most one unfinished run per request, however many callers ask at once: the unfinished
 * run of the request if there is one, else a new one that only the caller holding the request's
 * claim row creates (`RunClaimDoc`). The others wait for that run to appear and share it. A claim
 * whose run has ended, or never appeared (its creator stopped in between), is taken over.
 */
import { Types, type Model } from 'mongoose';
import { GatewayError } from '../errors';
import { isDuplicateKey } from './duplicateKey';
import type { RunClaimDoc } from './models/runClaim';

/** A claimed run that has not appeared by then was abandoned by its creator. */
const ABANDONED_MS = 10_000;
const RETRY_MS = 50;
/** Every wait has a deadline: past it, the caller is told to try again. */
const DEADLINE_MS = 15_000;

/** A claimed run's state, for runs that are open while pending or running. */
export const runState = (run: { state: string } | null): 'open' | 'ended' | 'missing' =>
  !run ? 'missing' : run.state === 'pending' || run.state === 'running' ? 'open' : 'ended';

export interface RunOpening<T> {
  claims: Model<RunClaimDoc>;
  /** `<kind>|<request key>`. */
  claimId: string;
  /** The request's unfinished run. */
  findOpen(): Promise<T | null>;
  /** Whether the run with this id exists and has not ended. */
  isOpen(run: Types.ObjectId): Promise<'open' | 'ended' | 'missing'>;
  /** Creates the run under this id. */
  create(run: Types.ObjectId): Promise<T>;
}

export async function openOnce<T>(opening: RunOpening<T>, now: () => Date = () => new Date()): Promise<{ doc: T; resumed: boolean }> {
  const { claims, claimId } = opening;
  const deadline = Date.now() + DEADLINE_MS;
  while (Date.now() < deadline) {
    const open = await opening.findOpen();
    if (open) return { doc: open, resumed: true };
    const run = new Types.ObjectId();
    try {
      await claims.collection.insertOne({ _id: claimId as never, run, at: now() });
      return { doc: await opening.create(run), resumed: false };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const claim = await claims.findById(claimId).lean<RunClaimDoc>();
    if (claim) {
      const state = await opening.isOpen(claim.run);
      const abandoned = state === 'missing' && now().getTime() - claim.at.getTime() > ABANDONED_MS;
      // Taken over only as it was read: a claim another caller replaced meanwhile stays theirs.
      if (state === 'ended' || abandoned) await claims.deleteOne({ _id: claimId, run: claim.run });
      else if (state === 'missing') await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
  throw new GatewayError('UNAVAILABLE', 'another request is opening the same run; retry later', { reason: 'RUN_OPENING' });
}
