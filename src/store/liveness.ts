/**
 * Whether the database answers at all, as opposed to answering slowly. A stalled engine (a stopped
 * process, a frozen VM, a partition) keeps its connections open and never replies, and the driver
 * then waits forever: the only driver timeouts that would end that wait (socketTimeoutMS, timeoutMS)
 * would also cut legitimate long work, and FerretDB takes seconds per query on large data, seeding
 * and imports longer. So the question is asked apart from that work: a ping on a client of its own
 * (one connection, short timeouts), never queued behind the main pool's slow queries. A ping can
 * still wait behind them inside the engine (mongo-java-server serves a few connections per thread):
 * a database that answered any other command sent after the ping was asked is busy, not stalled.
 */
import mongoose from 'mongoose';
import { GatewayError } from '../errors';

/** How long a ping may take before the database counts as not answering (readyz answers within 2 s). */
export const PING_DEADLINE_MS = 1500;

export class DatabaseLiveness {
  private readonly probe: mongoose.mongo.MongoClient;
  private pinging: Promise<boolean> | undefined;
  /** The last ping went unanswered: requests ask again before they reach the database. */
  suspect = false;
  private lastProgress = 0;

  private constructor(uri: string) {
    // The driver's deadline (server selection, connection and reply together) ends a ping on a
    // stalled engine and closes its connection, so no ping is left waiting in the probe.
    this.probe = new mongoose.mongo.MongoClient(uri, { maxPoolSize: 1, timeoutMS: PING_DEADLINE_MS });
  }

  /**
   * Connected at once, while the database answers: a client left to connect on its first ping, if
   * that ping meets a stalled database, closes for good and never answers again.
   */
  static async open(uri: string): Promise<DatabaseLiveness> {
    const liveness = new DatabaseLiveness(uri);
    await liveness.probe.connect();
    return liveness;
  }

  /** True when the database answers a ping within PING_DEADLINE_MS. Callers at the same time share one ping. */
  answering(): Promise<boolean> {
    const asked = Date.now();
    this.pinging ??= this.probe
      .db('admin')
      .command({ ping: 1 })
      .then(
        () => true,
        () => this.lastProgress >= asked,
      )
      .then((answered) => {
        this.suspect = !answered;
        this.pinging = undefined;
        return answered;
      });
    return this.pinging;
  }

  /** The database answered another command of this gateway's, one sent at `sentAt`: it was running then. */
  noteProgress(sentAt: number): void {
    this.lastProgress = Math.max(this.lastProgress, sentAt);
  }

  async close(): Promise<void> {
    await this.probe.close().catch(() => undefined);
  }
}

/** The reason that marks the database's unavailability apart from a partner registry's (which fails only its own field). */
export const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';

/** What every surface tells a client when the database does not answer. */
export const databaseUnavailable = () => new GatewayError('UNAVAILABLE', 'the database is not answering; retry later', { reason: DATABASE_UNAVAILABLE });

/**
 * Errors that mean the database could not be reached (network, server selection, a pool cleared
 * because the server stopped answering), as opposed to errors of the operation itself.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  const { mongo } = mongoose;
  return (
    error instanceof mongo.MongoNetworkError ||
    error instanceof mongo.MongoServerSelectionError ||
    error instanceof mongo.MongoNotConnectedError ||
    error instanceof mongo.MongoTopologyClosedError ||
    (error as Error | undefined)?.name === 'MongooseServerSelectionError' ||
    // Mongoose holds operations while its connection is down, then gives up with this.
    /buffering timed out after/.test((error as Error | undefined)?.message ?? '')
  );
}
