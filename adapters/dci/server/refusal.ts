/**
 * A search item the adapter refuses, with the DCI reason code the partner receives. Translation throws
 * it from deep inside a query and `translateSearch` turns it into a result, so helpers stay small.
 */
import type { SearchReasonCode } from '../protocol/codes';

export class SearchRefusal extends Error {
  constructor(
    readonly reason: SearchReasonCode,
    message: string,
  ) {
    super(message);
  }
}

export function refuse(reason: SearchReasonCode, message: string): never {
  throw new SearchRefusal(reason, message);
}

export function criteriaInvalid(message: string): never {
  throw new SearchRefusal('rjct.search_criteria.invalid', message);
}

export function filterInvalid(message: string): never {
  throw new SearchRefusal('rjct.filter.invalid', message);
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
