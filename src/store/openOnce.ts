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

/** Runs are open while pending or running. */
const OPEN_STATES = ['pending', 'running'];

export interface RunOpening<T> {
  claims: Model<RunClaimDoc>;
  /** The runs, each holding its request's `key` and its `state`. */
  runs: Model<T>;
  /** The request's key; the claim's id is the runs' collection and this key. */
  key: string;
  /** Creates the run under this id. */
  create(run: Types.ObjectId): Promise<T>;
}

export async function openOnce<T>(opening: RunOpening<T>, now: () => Date = () => new Date()): Promise<{ doc: T; resumed: boolean }> {
  const { claims, runs, key } = opening;
  const claimId = `${runs.collection.name}|${key}`;
  const findOpen = () => runs.findOne({ key, state: { $in: OPEN_STATES } }).sort({ _id: -1 }).lean<T>();
  const stateOf = async (run: Types.ObjectId) => {
    const found = await runs.findById(run, { state: 1 }).lean<{ state: string }>();
    return !found ? 'missing' : OPEN_STATES.includes(found.state) ? 'open' : 'ended';
  };
  const deadline = Date.now() + DEADLINE_MS;
  while (Date.now() < deadline) {
    const open = await findOpen();
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
      const state = await stateOf(claim.run);
      const abandoned = state === 'missing' && now().getTime() - claim.at.getTime() > ABANDONED_MS;
      // Taken over only as it was read: a claim another caller replaced meanwhile stays theirs.
      if (state === 'ended' || abandoned) await claims.deleteOne({ _id: claimId, run: claim.run });
      else if (state === 'missing') await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
  throw new GatewayError('UNAVAILABLE', 'another request is opening the same run; retry later', { reason: 'RUN_OPENING' });
}
