/**
 * Durable job queue on the gateway's own connection (MongoDB, or the embedded FerretDB 1.24).
 *
 * Why not a library (checked against FerretDB 1.24 started with src/store/engine.ts):
 * - agenda 6.2.6 + @agendajs/mongo-backend 4.0.3 define, run, retry and resume after a restart on
 *   FerretDB from plain Node, but are ESM-only: under jest 30 / ts-jest on Node 20 importing them
 *   fails with "Must use import to load ES Module: node_modules/agenda/dist/index.js" (jest loads
 *   ESM from require only on Node 24.9+).
 * - @pulsecron/pulse 1.6.8 does not load without an undeclared dependency ("Cannot find module
 *   'tslib'"); with it, resuming after a restart crashes the process with "MongoServerError:
 *   Invalid $match :: caused by :: The operator $eq is not implemented yet" (its $expr query).
 * - @hokify/agenda 6.3.0 runs on FerretDB but is the fork agenda 6 superseded (last release
 *   2024-12), pins the mongodb 4 driver beside mongoose's 6, and has no retry/backoff.
 * - All three lock jobs with findOneAndUpdate, which FerretDB applies as read-then-write, not
 *   atomically: 200 due jobs and 12 concurrent claimers gave 803 successful claims. See the claim
 *   markers in src/store/models/job.ts for what this queue does instead.
 *
 * Delivery is at-least-once. A job whose runner dies (or loses its lease) is run again once the
 * lease expires, and the outcome of a runner that lost its lease is discarded; so HANDLERS MUST BE
 * IDEMPOTENT. Enqueue is idempotent on `key` for as long as the job is kept: done jobs are deleted
 * `retentionMs` after `finishedAt`; failed jobs are kept for inspection.
 *
 * A job runs in the request scope it was queued from (its request id, DCI correlation and transaction
 * ids), or in one of its own when queued by background work, so its log lines and outbound calls carry it.
 */
import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import type { Logger } from '../log';
import { currentScope, inRequestScope, outsideRequestScope, RequestScope } from '../requestScope';
import { isDuplicateKey } from '../store/duplicateKey';
import { jobClaimModel, jobModel, JobDoc, JobState, JOB_STATES } from '../store/models/job';
import { Backoff, backoffDelay } from './backoff';

export type { Backoff } from './backoff';

export interface JobContext {
  attempt: number;
  /** This is the last attempt allowed: a failure now is final, so the handler can record it as such. */
  final: boolean;
  key: string;
  log: Logger;
}
/** Must be idempotent: an attempt can run again if its runner dies before recording the outcome. */
export type JobHandler<P> = (payload: P, ctx: JobContext) => Promise<void>;

export interface JobQueueOptions {
  pollMs?: number;
  /** How long a claim is valid without renewal; running handlers renew it every leaseMs/3. */
  leaseMs?: number;
  concurrency?: number;
  /** How long done jobs (and so their idempotency keys) are kept. */
  retentionMs?: number;
  now?: () => Date;
}

export interface DefineOptions {
  /** Attempts in total, the first included. */
  maxAttempts?: number;
  backoff?: Backoff;
}

export interface JobStatus {
  state: JobState;
  attempts: number;
  lastError?: string;
  runAt: Date;
  finishedAt?: Date;
}

/** How many jobs of one kind are in one state. */
export interface JobCount {
  kind: string;
  state: JobState;
  count: number;
}

/** Thrown by a handler to stop retrying (permanent failure). */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

interface Definition {
  handler: JobHandler<unknown>;
  maxAttempts: number;
  backoff: Backoff;
}

const DEFAULT_BACKOFF: Backoff = { baseMs: 1000, maxMs: 5 * 60_000, jitter: true };
const PURGE_EVERY_MS = 60_000;
const MAX_ERROR_LENGTH = 1000;

/** When a job is due, by its state: a pending one at its run time, a running one when its lease has run out. */
const dueAt = (now: Date) => ({ pending: { runAt: { $lte: now } }, running: { lockedUntil: { $lte: now } } });

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR_LENGTH);
const nameOf = (error: unknown) => (error instanceof Error ? error.name : typeof error);

export class JobQueue {
  private readonly jobs;
  private readonly claims;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly retentionMs: number;
  private readonly now: () => Date;
  private readonly definitions = new Map<string, Definition>();
  private readonly running = new Set<Promise<void>>();
  private indexes: Promise<void> | undefined;
  private started = false;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private lastPurge = Number.NEGATIVE_INFINITY;

  constructor(
    connection: mongoose.Connection,
    private readonly log: Logger,
    opts: JobQueueOptions = {},
  ) {
    this.jobs = jobModel(connection);
    this.claims = jobClaimModel(connection);
    this.pollMs = opts.pollMs ?? 1000;
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.concurrency = opts.concurrency ?? 4;
    this.retentionMs = opts.retentionMs ?? 7 * 24 * 3600_000;
    this.now = opts.now ?? (() => new Date());
  }

  define<P>(kind: string, handler: JobHandler<P>, opts: DefineOptions = {}): void {
    if (this.definitions.has(kind)) throw new Error(`job kind already defined: ${kind}`);
    const maxAttempts = opts.maxAttempts ?? 5;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error(`maxAttempts must be a positive integer: ${kind}`);
    this.definitions.set(kind, { handler: handler as JobHandler<unknown>, maxAttempts, backoff: opts.backoff ?? DEFAULT_BACKOFF });
  }

  /** Idempotent on key: enqueuing an existing key returns the existing job and does nothing. */
  async enqueue<P>(kind: string, payload: P, opts: { key: string; runAt?: Date }): Promise<{ created: boolean }> {
    await this.ensureIndexes();
    const now = this.now();
    try {
      const result = await this.jobs.updateOne(
        { key: opts.key },
        { $setOnInsert: { kind, payload, state: 'pending', attempts: 0, runAt: opts.runAt ?? now, lockedUntil: null, createdAt: now, scope: { ...(currentScope() ?? { requestId: randomUUID() }) } } },
        { upsert: true },
      );
      return { created: result.upsertedCount > 0 };
    } catch (error) {
      // A concurrent enqueue of the same key inserted first; the unique index rejected this one.
      if (isDuplicateKey(error)) return { created: false };
      throw error;
    }
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.kick();
  }

  /** Stops claiming and waits for running handlers (and their outcomes) to finish. */
  async stop(): Promise<void> {
    this.started = false;
    this.pollAgain = false;
    clearTimeout(this.timer);
    await this.polling;
    while (this.running.size > 0) await Promise.all(this.running);
  }

  async status(key: string): Promise<JobStatus | undefined> {
    const job = await this.jobs.findOne({ key }).lean<JobDoc>();
    if (!job) return undefined;
    return {
      state: job.state,
      attempts: job.attempts,
      runAt: job.runAt,
      ...(job.lastError !== undefined && { lastError: job.lastError }),
      ...(job.finishedAt && { finishedAt: job.finishedAt }),
    };
  }

  /**
   * Every kind (defined here or found stored) in every state, zeros included. One grouping pass: the
   * embedded engine reads the whole collection for any count, so a count per state would read it four times.
   */
  async counts(): Promise<JobCount[]> {
    const groups = await this.jobs.aggregate<{ _id: { kind: string; state: JobState }; count: number }>([
      { $group: { _id: { kind: '$kind', state: '$state' }, count: { $sum: 1 } } },
    ]);
    const countOf = (kind: string, state: JobState) => groups.find((g) => g._id.kind === kind && g._id.state === state)?.count ?? 0;
    const kinds = new Set([...this.definitions.keys(), ...groups.map((g) => g._id.kind)]);
    return [...kinds].flatMap((kind) => JOB_STATES.map((state) => ({ kind, state, count: countOf(kind, state) })));
  }

  /** Polls now (after an enqueue, so work starts without waiting a poll interval). */
  kick(): void {
    if (!this.started) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    clearTimeout(this.timer);
    // Kicked by a request that queued a job, the poll is still not part of that request.
    this.polling = outsideRequestScope(() => this.poll()).finally(() => {
      this.polling = undefined;
      if (!this.started) return;
      if (this.pollAgain) {
        this.pollAgain = false;
        this.kick();
      } else {
        this.timer = setTimeout(() => this.kick(), this.pollMs);
      }
    });
  }

  private ensureIndexes(): Promise<void> {
    this.indexes ??= Promise.all([this.jobs.createIndexes(), this.claims.createIndexes()]).then(
      () => undefined,
      (error: unknown) => {
        this.indexes = undefined; // retried by the next call
        throw error;
      },
    );
    return this.indexes;
  }

  private free(): number {
    return this.concurrency - this.running.size;
  }

  private async poll(): Promise<void> {
    try {
      await this.ensureIndexes();
      await this.purge();
      const kinds = [...this.definitions.keys()];
      while (this.started && this.free() > 0 && kinds.length > 0) {
        const now = this.now();
        const due = await this.jobs
          .find({
            kind: { $in: kinds },
            $or: Object.entries(dueAt(now)).map(([state, due]) => ({ state, ...due })),
          })
          .sort({ runAt: 1 })
          .limit(this.free())
          .lean<JobDoc[]>();
        let claimedAny = false;
        for (const job of due) {
          if (!this.started || this.free() === 0) return;
          const attempt = await this.claim(job);
          if (attempt === undefined) continue;
          claimedAny = true;
          this.launch(job, attempt);
        }
        // Nothing due, or other workers took all of it: wait for the next poll.
        if (!claimedAny) return;
      }
    } catch (error) {
      this.log.error({ err: messageOf(error) }, 'job poll failed');
    }
  }

  /**
   * Claims the next attempt of a job read as due: inserting its marker is the atomic step (only
   * one worker can), then the job is moved to `running` only if nobody changed it since the read.
   */
  private async claim(job: JobDoc): Promise<number | undefined> {
    const now = this.now();
    for (let attempt = job.attempts + 1; ; attempt += 1) {
      const markerId = `${job._id.toHexString()}#${attempt}`;
      try {
        await this.claims.create({ _id: markerId, at: now });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // A marker older than a lease whose job never moved means its claimer died between the
        // two steps; the next attempt number is then free to claim.
        const marker = await this.claims.findById(markerId).lean();
        if (marker && marker.at.getTime() + this.leaseMs > now.getTime()) return undefined;
        continue;
      }
      // Moved only if still due and still at the attempt read: a runner that renewed the lease it was
      // read expiring keeps its job. The lease runs from the move, not from the start of the claim:
      // a slow marker insert must not hand the runner a lease that has already expired.
      const moved = await this.jobs.updateOne(
        { _id: job._id, state: job.state, attempts: job.attempts, ...dueAt(now)[job.state as 'pending' | 'running'] },
        { $set: { state: 'running', attempts: attempt, lockedUntil: new Date(this.now().getTime() + this.leaseMs) } },
      );
      return moved.matchedCount === 1 ? attempt : undefined;
    }
  }

  private launch(job: JobDoc, attempt: number): void {
    const scope: RequestScope = { ...(job.scope ?? { requestId: randomUUID() }) };
    const task = inRequestScope(scope, () => this.execute(job, attempt)).catch((error: unknown) => {
      // The outcome was not recorded: the job is retried once its lease expires.
      this.log.error({ job: job.kind, key: job.key, attempt, err: messageOf(error) }, 'job outcome not recorded');
    });
    this.running.add(task);
    void task.finally(() => {
      this.running.delete(task);
      this.kick();
    });
  }

  private async execute(job: JobDoc, attempt: number): Promise<void> {
    const definition = this.definitions.get(job.kind)!;
    const log = this.log.child({ job: job.kind, key: job.key, attempt });
    if (attempt > definition.maxAttempts) {
      // Every allowed attempt ended without an outcome (the runner died or hung each time).
      await this.record(job, attempt, { state: 'failed', lastError: 'lease expired on the last attempt', finishedAt: this.now() }, log);
      log.warn('job failed: lease expired on the last attempt');
      return;
    }

    const lease = this.holdLease(job, attempt, log);
    let failure: unknown;
    let succeeded = false;
    try {
      await definition.handler(job.payload, { attempt, final: attempt >= definition.maxAttempts, key: job.key, log });
      succeeded = true;
    } catch (error) {
      failure = error;
    } finally {
      await lease.release();
    }

    const now = this.now();
    if (succeeded) {
      if (await this.record(job, attempt, { state: 'done', finishedAt: now }, log)) log.info('job done');
      return;
    }
    const permanent = failure instanceof PermanentJobError;
    const lastError = messageOf(failure);
    if (permanent || attempt >= definition.maxAttempts) {
      if (await this.record(job, attempt, { state: 'failed', lastError, finishedAt: now }, log)) {
        log.warn({ error: nameOf(failure), err: lastError, permanent }, 'job failed');
      }
      return;
    }
    const delayMs = backoffDelay(attempt, definition.backoff);
    if (await this.record(job, attempt, { state: 'pending', lastError, runAt: new Date(now.getTime() + delayMs) }, log)) {
      log.info({ error: nameOf(failure), err: lastError, delayMs }, 'job attempt failed; will retry');
    }
  }

  /** Makes a pending job due now (its backoff no longer applies: what it waited for has happened). */
  async wake(key: string): Promise<void> {
    const result = await this.jobs.updateOne({ key, state: 'pending' }, { $set: { runAt: this.now() } });
    if (result.modifiedCount > 0) this.kick();
  }

  /** Records an attempt's outcome if this runner still holds the attempt (its lease was not taken over). */
  private async record(
    job: JobDoc,
    attempt: number,
    outcome: Pick<JobDoc, 'state'> & Partial<Pick<JobDoc, 'lastError' | 'runAt' | 'finishedAt'>>,
    log: Logger,
  ): Promise<boolean> {
    const update = outcome.state === 'done' ? { $set: { ...outcome, lockedUntil: null }, $unset: { lastError: 1 } } : { $set: { ...outcome, lockedUntil: null } };
    const result = await this.jobs.updateOne({ _id: job._id, state: 'running', attempts: attempt }, update);
    if (result.matchedCount === 1) return true;
    log.warn('job outcome discarded: another runner took over its lease');
    return false;
  }

  /** Renews the lease while the handler runs, so only a dead (or stalled) runner loses it. */
  private holdLease(job: JobDoc, attempt: number, log: Logger): { release(): Promise<void> } {
    let held = true;
    let timer: NodeJS.Timeout | undefined;
    let renewing: Promise<void> | undefined;
    const renew = async () => {
      try {
        const result = await this.jobs.updateOne(
          { _id: job._id, state: 'running', attempts: attempt },
          { $set: { lockedUntil: new Date(this.now().getTime() + this.leaseMs) } },
        );
        if (result.matchedCount === 0 && held) {
          held = false;
          log.warn('job lease lost to another runner; its outcome will be discarded');
        }
      } catch (error) {
        log.warn({ err: messageOf(error) }, 'job lease renewal failed');
      }
      if (held) schedule();
    };
    const schedule = () => {
      timer = setTimeout(() => {
        renewing = renew();
      }, this.leaseMs / 3);
    };
    schedule();
    return {
      release: async () => {
        held = false;
        clearTimeout(timer);
        // The engine writes updates back whole, so a renewal still in flight could undo the outcome.
        await renewing;
      },
    };
  }

  /** Deletes done jobs past retention, by their stored finishedAt (the engine has no TTL indexes). */
  private async purge(): Promise<void> {
    const now = this.now().getTime();
    if (now - this.lastPurge < Math.min(this.retentionMs, PURGE_EVERY_MS)) return;
    this.lastPurge = now;
    const { deletedCount } = await this.jobs.deleteMany({ state: 'done', finishedAt: { $lte: new Date(now - this.retentionMs) } });
    // A marker only matters while its attempt is being claimed, which never outlasts a lease.
    await this.claims.deleteMany({ at: { $lte: new Date(now - Math.max(this.retentionMs, 2 * this.leaseMs)) } });
    if (deletedCount > 0) this.log.info({ count: deletedCount }, 'purged finished jobs');
  }
}
