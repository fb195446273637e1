/**
 * Partners' request budgets for the DCI routes, held in the database so that every gateway on it
 * enforces one limit together: a fixed window of a minute holding `perMinute` slots, and a request is
 * admitted when it takes one.
 *
 * Taking a slot is inserting its document under a unique `_id`: the one step that is atomic on
 * MongoDB, mongo-java-server and FerretDB alike (FerretDB applies `$inc` as read-then-write, and
 * concurrent increments lose counts), so no more than `perMinute` requests a window are admitted,
 * whatever the instances. Slots are taken lowest first: a claimer starts above a slot it knows taken
 * (with every lower one taken), from this process's last claim or the window's shared hint, and
 * moves up past slots others took. The hint is raised with `$max` after each claim; a raise lost to
 * a concurrent one only makes the next claimer probe a few slots more, never skip one.
 */
import mongoose from 'mongoose';
import type { Admission } from '../../adapters/dci/server/partners';
import { rateWindowModel } from '../store/models/rateWindow';

const WINDOW_MS = 60_000;
const PRUNE_EVERY_MS = 60_000;
const isDuplicateKey = (error: unknown) => (error as { code?: unknown } | null)?.code === 11000;

export class SharedRateLimiter {
  private readonly windows;
  /** Per key, the highest slot this process took in the window it last used. */
  private readonly taken = new Map<string, { windowStart: number; slot: number }>();
  private lastPrune = 0;

  constructor(
    connection: mongoose.Connection,
    private readonly now: () => number = Date.now,
  ) {
    this.windows = rateWindowModel(connection);
  }

  async take(key: string, perMinute: number): Promise<Admission> {
    if (!(perMinute > 0)) throw new RangeError('perMinute must be positive');
    const now = this.now();
    await this.pruneNowAndThen(now);
    const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    const expiresAt = new Date(windowStart + WINDOW_MS);
    const window = `${key}|${windowStart}`;
    const mine = this.taken.get(key);
    let slot = (mine?.windowStart === windowStart ? mine.slot : 0) + 1;
    let askedHint = false;
    while (slot <= perMinute) {
      if (await this.claim(`${window}|${slot}`, expiresAt)) {
        this.taken.set(key, { windowStart, slot });
        await this.raiseHint(window, slot, expiresAt);
        return { allowed: true, retryAfterSeconds: 0 };
      }
      // Another gateway took it: jump to what the window's hint knows, once, then move up one by one.
      slot = askedHint ? slot + 1 : Math.max(slot + 1, (await this.hint(window)) + 1);
      askedHint = true;
    }
    this.taken.set(key, { windowStart, slot: perMinute });
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((expiresAt.getTime() - now) / 1000)) };
  }

  private async claim(id: string, expiresAt: Date): Promise<boolean> {
    try {
      await this.windows.collection.insertOne({ _id: id as never, expiresAt });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  private async hint(window: string): Promise<number> {
    const doc = await this.windows.findById(window, { slot: 1 }).lean();
    return doc?.slot ?? 0;
  }

  private async raiseHint(window: string, slot: number, expiresAt: Date): Promise<void> {
    try {
      await this.windows.collection.updateOne({ _id: window as never }, { $max: { slot }, $setOnInsert: { expiresAt } }, { upsert: true });
    } catch (error) {
      // Two first claims of a window both upserted its hint: the other one's insert stands, and a hint may lag.
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /** Deletes the documents of windows that have ended, now and then (a filter the engine scans for). */
  private async pruneNowAndThen(now: number): Promise<void> {
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    await this.windows.collection.deleteMany({ expiresAt: { $lte: new Date(now) } });
  }
}
