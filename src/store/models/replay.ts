/**
 * Message ids seen per sender, for the DCI replay guard. Uniqueness comes from the index on
 * (sender_id, message_id): an insert either succeeds (first sighting) or is refused as a duplicate (seen).
 * Expiry is a stored timestamp, not a TTL index (the embedded FerretDB has none): an expired row is
 * taken over by the next sighting, and expired rows are deleted now and then.
 */
import mongoose from 'mongoose';
import type { ReplayStore } from '../../../adapters/dci/protocol/replay';
import { insertsTogether, type TogetherInsert } from '../insertsTogether';

export interface ReplayRecord {
  sender_id: string;
  message_id: string;
  expires_at: Date;
}

const replaySchema = new mongoose.Schema<ReplayRecord>(
  {
    sender_id: { type: String, required: true },
    message_id: { type: String, required: true },
    expires_at: { type: Date, required: true },
  },
  { collection: 'dci_replay', versionKey: false },
);
replaySchema.index({ sender_id: 1, message_id: 1 }, { unique: true });
replaySchema.index({ expires_at: 1 });

export function replayModel(connection: mongoose.Connection): mongoose.Model<ReplayRecord> {
  return (connection.models.DciReplay as mongoose.Model<ReplayRecord> | undefined) ?? connection.model<ReplayRecord>('DciReplay', replaySchema);
}

const PRUNE_EVERY_MS = 60 * 1000;

export class MongoReplayStore implements ReplayStore {
  private readonly model: mongoose.Model<ReplayRecord>;
  /** Concurrent messages' records go in one insert (`insertsTogether`). */
  private readonly insert: TogetherInsert<ReplayRecord>;
  private indexes: Promise<unknown> | undefined;
  private lastPrune = 0;

  constructor(connection: mongoose.Connection) {
    this.model = replayModel(connection);
    this.insert = insertsTogether(this.model.collection);
  }

  async remember(senderId: string, messageId: string, expiresAt: Date): Promise<boolean> {
    // The unique index is what makes a duplicate detectable: it must exist before the first insert.
    this.indexes ??= this.model.createIndexes().catch((error: unknown) => {
      this.indexes = undefined;
      throw error;
    });
    await this.indexes;
    const now = new Date();
    await this.pruneNowAndThen(now);
    const duplicates = await this.insert([{ sender_id: senderId, message_id: messageId, expires_at: expiresAt }]);
    if (duplicates.length === 0) return true;
    // Seen before: still a first sighting if that record has expired (take it over atomically).
    const takenOver = await this.model.collection.findOneAndUpdate(
      { sender_id: senderId, message_id: messageId, expires_at: { $lte: now } },
      { $set: { expires_at: expiresAt } },
    );
    return takenOver !== null;
  }

  async forget(senderId: string, messageId: string): Promise<void> {
    await this.model.collection.deleteOne({ sender_id: senderId, message_id: messageId });
  }

  private async pruneNowAndThen(now: Date): Promise<void> {
    if (now.getTime() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now.getTime();
    await this.model.collection.deleteMany({ expires_at: { $lte: now } });
  }
}
