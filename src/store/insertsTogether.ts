/**
 * Inserts into one collection that go to the database together: documents given while an insert is
 * out wait for it to end and go in the next one, in a single unordered `insertMany`. Under load one
 * command (one commit, one socket write) serves many callers; alone, an insert goes at once. Each
 * caller learns which of its own documents were refused as duplicates (`_id` or a unique key already
 * taken); any other failure of one of its documents, or of the command, fails it.
 */
import type { Collection, Document, OptionalId } from 'mongodb';
import { writeFailuresOf } from './duplicateKey';

interface Waiting<T> {
  docs: T[];
  resolve: (duplicates: number[]) => void;
  reject: (error: unknown) => void;
}

/** Resolves to the positions (in `docs`) of the documents refused as duplicates; rejects on any other failure. */
export type TogetherInsert<T> = (docs: T[]) => Promise<number[]>;

export function insertsTogether<T extends Document>(collection: Collection): TogetherInsert<T> {
  let waiting: Waiting<T>[] = [];
  let out = false;

  const send = async () => {
    const batch = waiting;
    waiting = [];
    out = true;
    const all = batch.flatMap((w) => w.docs);
    try {
      await collection.insertMany(all as OptionalId<Document>[], { ordered: false });
      for (const w of batch) w.resolve([]);
    } catch (error) {
      settleFailed(batch, error);
    } finally {
      out = false;
      if (waiting.length > 0) void send();
    }
  };

  return (docs) =>
    new Promise<number[]>((resolve, reject) => {
      if (docs.length === 0) return resolve([]);
      waiting.push({ docs, resolve, reject });
      if (!out) void send();
    });
}

/** Hands each caller of a failed batch its own documents' outcome. */
function settleFailed<T>(batch: Waiting<T>[], error: unknown): void {
  const failures = writeFailuresOf(error);
  if (!failures) {
    for (const w of batch) w.reject(error);
    return;
  }
  let start = 0;
  for (const w of batch) {
    const end = start + w.docs.length;
    const own = failures.filter((f) => f.index >= start && f.index < end);
    if (own.every((f) => f.duplicate)) w.resolve(own.map((f) => f.index - start));
    else w.reject(error);
    start = end;
  }
}
