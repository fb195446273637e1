/**
 * Writes refused by a unique index. Unique `_id` claim documents and unique indexes are how the
 * gateway keeps uniqueness, idempotent writes and exactly-once jobs on every engine, so many callers
 * read this one refusal (MongoDB's E11000, which both embedded engines report on inserts too).
 */
const DUPLICATE_KEY = 11000;

/** A single write (insert, upsert) refused because its `_id` or a unique key is already taken. */
export const isDuplicateKey = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === DUPLICATE_KEY;

/** One document's failure in an unordered write. */
export interface WriteFailure {
  index: number;
  duplicate: boolean;
}

interface ReportedWriteError {
  index?: number;
  code?: number;
  // Mongoose's insertMany copies the driver's WriteError into a plain object: its `code` and
  // `index` getters are lost, and they are read from the server's error it wraps.
  err?: { index?: number; code?: number };
}

/**
 * The per-document failures of an unordered write (`insertMany`, `bulkWrite`), as the driver or
 * mongoose reports them; undefined when the command failed as a whole or a failure names no document.
 */
export function writeFailuresOf(error: unknown): WriteFailure[] | undefined {
  const e = error as { writeErrors?: unknown; writeConcernError?: unknown } | null;
  if (!e || e.writeConcernError || e.writeErrors === undefined) return undefined;
  const failures: WriteFailure[] = [];
  for (const r of [e.writeErrors].flat() as ReportedWriteError[]) {
    const index = r.index ?? r.err?.index;
    if (index === undefined) return undefined;
    failures.push({ index, duplicate: (r.code ?? r.err?.code) === DUPLICATE_KEY });
  }
  return failures;
}

/** True when a write, single or unordered, failed only on documents a unique index already holds. */
export function onlyDuplicates(error: unknown): boolean {
  const failures = writeFailuresOf(error);
  return failures ? failures.length > 0 && failures.every((f) => f.duplicate) : isDuplicateKey(error);
}
