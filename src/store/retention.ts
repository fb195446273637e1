/**
 * Records kept for a retention are deleted once past it, by their stored time (the embedded engines
 * have no TTL index): at start, then hourly. Every instance prunes: deleting what is past its
 * retention twice deletes nothing more.
 */
import type { Model } from 'mongoose';
import type { Logger } from '../log';

const PRUNE_EVERY_MS = 60 * 60_000;
const DAY_MS = 86_400_000;

/** Deletes the documents whose `field` (a stored time) is more than `retentionDays` before `now`; returns how many. */
export async function deleteOlderThan<T>(model: Model<T>, field: keyof T & string, now: Date, retentionDays: number): Promise<number> {
  const before = new Date(now.getTime() - retentionDays * DAY_MS);
  return (await model.deleteMany({ [field]: { $lt: before } } as Parameters<Model<T>['deleteMany']>[0])).deletedCount;
}

export interface Pruning {
  /** Stops the schedule and waits for a deletion under way. */
  stop(): Promise<void>;
}

/** `prune` deletes what is past its retention at `now` and says how many; `what` names them in the log. */
export function startPruning(what: string, prune: (now: Date) => Promise<number>, log: Logger): Pruning {
  let pruned: Promise<unknown> = Promise.resolve();
  const run = () => {
    pruned = prune(new Date())
      .then((deleted) => deleted > 0 && log.info({ deleted }, `${what} past their retention deleted`))
      .catch((error: unknown) => log.warn({ err: (error as Error).message }, `${what} not pruned`));
  };
  run();
  const timer = setInterval(run, PRUNE_EVERY_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await pruned;
    },
  };
}
