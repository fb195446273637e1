/**
 * Partners' request budgets for the DCI routes, held in the database so that every gateway on it
 * enforces one limit together: a fixed window of a minute holding `perMinute` requests.
 *
 * A window's requests are handed out in blocks of `blockSize` (a twentieth of the limit, at least
 * one): a gateway claims a block, then admits that many requests without going back to the database
 * (one write per block, not per message: every write on the embedded engine is synced to disk). No
 * more than `perMinute` requests are admitted in a window, whatever the instances; an instance may
 * refuse while another still holds a few unused requests of its last block, which under-admits by at
 * most a block per instance.
 *
 * Claiming a block is inserting its document under a unique `_id`: the one step that is atomic on
 * MongoDB, mongo-java-server and FerretDB alike (FerretDB applies `$inc` as read-then-write, and
 * concurrent increments lose counts). Blocks are taken lowest first: a claimer starts above a block
 * it knows taken (with every lower one taken), from this process's last claim or the window's shared
 * hint, and moves up past blocks others took. The hint is raised with `$max` after each claim; a raise
 * lost to a concurrent one only makes the next claimer probe a block more, never skip one.
 */
import mongoose from 'mongoose';
import type { Admission } from '../../adapters/dci/server/partners';
import { isDuplicateKey } from '../store/duplicateKey';
import { rateWindowModel } from '../store/models/rateWindow';

const WINDOW_MS = 60_000;
const BLOCKS_PER_WINDOW = 20;
const PRUNE_EVERY_MS = 60_000;

/** What this process holds of a key's current window: the highest block it knows taken, and its unused requests. */
interface Held {
  windowStart: number;
  block: number;
  unused: number;
  /** Block claims of this process still in flight: a take about to refuse waits for their unused requests. */
  claiming: Set<Promise<boolean>>;
}

export class SharedRateLimiter {
  private readonly windows;
  private readonly held = new Map<string, Held>();
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
    const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    const expiresAt = new Date(windowStart + WINDOW_MS);
    const current = () => {
      const held = this.held.get(key);
      if (held?.windowStart === windowStart) return held;
      const fresh: Held = { windowStart, block: 0, unused: 0, claiming: new Set() };
      this.held.set(key, fresh);
      return fresh;
    };
    const ALLOWED: Admission = { allowed: true, retryAfterSeconds: 0 };
    // Concurrent takes of this process may have claimed blocks meanwhile: their unused requests come first.
    const useHeld = () => {
      const held = current();
      if (held.unused === 0) return false;
      held.unused -= 1;
      return true;
    };
    if (useHeld()) return ALLOWED;
    await this.pruneNowAndThen(now);
    // A limit changed within a window sizes its later blocks anew: that window may be off by a block.
    const blockSize = Math.max(1, Math.floor(perMinute / BLOCKS_PER_WINDOW));
    const blocks = Math.ceil(perMinute / blockSize);
    const window = `${key}|${windowStart}`;
    let block = current().block + 1;
    let askedHint = false;
    while (block <= blocks) {
      if (useHeld()) return ALLOWED;
      const claim = this.claim(`${window}|${block}`, expiresAt);
      const { claiming } = current();
      claiming.add(claim);
      const claimed = await claim.finally(() => claiming.delete(claim));
      if (claimed) {
        // The last block holds what is left of the limit.
        const size = Math.min(blockSize, perMinute - (block - 1) * blockSize);
        const held = current();
        held.block = Math.max(held.block, block);
        held.unused += size - 1;
        await this.raiseHint(window, block, expiresAt);
        return ALLOWED;
      }
      // Another gateway took it: jump to what the window's hint knows, once, then move up one by one.
      block = askedHint ? block + 1 : Math.max(block + 1, (await this.hint(window)) + 1);
      askedHint = true;
    }
    while (current().claiming.size > 0) await Promise.allSettled([...current().claiming]);
    if (useHeld()) return ALLOWED;
    current().block = blocks;
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
    const doc = await this.windows.findById(window, { block: 1 }).lean();
    return doc?.block ?? 0;
  }

  private async raiseHint(window: string, block: number, expiresAt: Date): Promise<void> {
    try {
      await this.windows.collection.updateOne({ _id: window as never }, { $max: { block }, $setOnInsert: { expiresAt } }, { upsert: true });
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
