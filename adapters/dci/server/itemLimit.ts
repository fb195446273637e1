/**
 * The bound on how many items one message may list, for the routes whose items each cost a write
 * or a read (subscribe, unsubscribe): beyond it the message is refused whole, before anything is
 * stored, with the spec's batch limit (`rjct.total_count.limit_exceeded`). Searches are bounded by
 * the records they could bring back instead (answerSize.ts).
 */
import { isObject } from './refusal';

export const MAX_MESSAGE_ITEMS = 100;

/** For a route whose message lists its items under `key`: why it holds too many, or undefined. */
export function itemLimit(key: string): (message: unknown) => string | undefined {
  return (message) => {
    const items = isObject(message) ? message[key] : undefined;
    if (!Array.isArray(items) || items.length <= MAX_MESSAGE_ITEMS) return undefined;
    return `${key} holds ${items.length} items, over the ${MAX_MESSAGE_ITEMS} one message may hold: send them in several messages`;
  };
}
