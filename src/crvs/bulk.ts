/**
 * Bulk work for imports. On the embedded engine every filtered query reads the whole collection,
 * so an import looks records up a page at a time and writes with insertMany (registry/bulkCreate);
 * unique indexes decide what already exists (a duplicate is "someone wrote it first", never an error).
 */

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
