/**
 * The bound on what one search message may ask for. Each item's page is bounded (page_size up to the
 * gateway's maximum), but a message may hold many items, and its whole answer is built, signed and
 * sent at once: 1,000 predicate items of 100 records each made a 52 MB answer in the gateway's memory.
 * So a message whose items could bring back more than MAX_ANSWER_RECORDS records is refused before
 * anything is read (the spec's batch limit, `rjct.total_count.limit_exceeded`). An identifier lookup
 * counts one record, any other item its page size; an item with an unreadable page size counts none,
 * as it is answered with a refusal.
 */
import { pageOf } from './query';
import { isObject, SearchRefusal } from './refusal';

export const MAX_ANSWER_RECORDS = 10_000;

function mostRecordsOf(criteria: unknown, maxPageSize: number): number {
  if (!isObject(criteria)) return 0;
  if (criteria.query_type === 'idtype-value') return 1;
  try {
    return pageOf(criteria.pagination, maxPageSize).size;
  } catch (error) {
    if (error instanceof SearchRefusal) return 0; // the item is answered with that refusal
    throw error;
  }
}

/** For a search route: why the message asks for too much, or undefined when it does not. */
export function searchAnswerLimit(maxPageSize: number): (message: unknown) => string | undefined {
  return (message) => {
    const items = isObject(message) && Array.isArray(message.search_request) ? message.search_request : [];
    const most = items.reduce((sum: number, item: unknown) => sum + (isObject(item) ? mostRecordsOf(item.search_criteria, maxPageSize) : 0), 0);
    if (most <= MAX_ANSWER_RECORDS) return undefined;
    return `the ${items.length} items could bring back ${most} records, over the ${MAX_ANSWER_RECORDS} one message may ask for (an identifier lookup counts one, any other item its page_size): send them in several messages`;
  };
}
