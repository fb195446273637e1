/**
 * Bulk writes for imports. On the embedded engine every filtered query reads the whole collection,
 * so an import looks records up a page at a time and writes with insertMany; unique indexes decide
 * what already exists (a duplicate is "someone wrote it first", never an error).
 */
import type { Model } from 'mongoose';

interface BulkError {
  code?: number;
  writeErrors?: { index: number; code?: number; err?: { index?: number; code?: number } }[];
}

/** Inserts `docs`, skipping those a unique index already holds; returns the ones inserted. */
export async function insertNew<T>(model: Model<T>, docs: T[]): Promise<T[]> {
  if (docs.length === 0) return [];
  try {
    await model.insertMany(docs as never[], { ordered: false });
    return docs;
  } catch (error) {
    const writeErrors = (error as BulkError).writeErrors ?? [];
    const failed = writeErrors.map((e) => ({ index: e.index ?? e.err?.index, code: e.code ?? e.err?.code }));
    if (failed.length === 0 || failed.some((f) => f.code !== 11000 || f.index === undefined)) throw error;
    const skipped = new Set(failed.map((f) => f.index));
    return docs.filter((_, i) => !skipped.has(i));
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(lanes);
}

/** A page's look-ups come back in one reply: each getMore re-reads the collection on the embedded engine. */
export const ONE_REPLY = 100_000;
