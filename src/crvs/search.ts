/**
 * Paging through a CRVS registry's sync search by event date: a `predicate` on birth_date or
 * death_date (ge/le, plus the area when given), sorted on the registration number so pages stay
 * put while the import runs, several pages per envelope (one HTTP call, not one per page).
 */
import type { SearchItem } from '../../adapters/dci/client/client';
import type { DciClient } from '../../adapters/dci/client';
import { unavailable } from '../../adapters/dci/client/failures';
import { recordsOf } from './records';

export type CrvsEvent = 'LiveBirth' | 'Death';

export interface RangeQuery {
  event: CrvsEvent;
  from: Date;
  to: Date;
  area?: string;
  pageSize: number;
}

export interface FetchedPage {
  number: number;
  records: Record<string, unknown>[];
  totalCount: number;
}

export const MAX_PAGE_SIZE = 100;
const day = (d: Date) => d.toISOString().slice(0, 10);
const DATE_ATTRIBUTE: Record<CrvsEvent, string> = { LiveBirth: 'birth_date', Death: 'death_date' };
const NUMBER_ATTRIBUTE: Record<CrvsEvent, string> = { LiveBirth: 'BRN', Death: 'DRN' };

const PLACE_ATTRIBUTE: Record<CrvsEvent, string> = { LiveBirth: 'birth_place.sub_region_code', Death: 'death_place.sub_region_code' };

function item(q: RangeQuery, page: number): SearchItem {
  const date = DATE_ATTRIBUTE[q.event];
  // Predicate items are ANDed (SPEC-NOTES 3.2): the date range, then the area.
  const query = [
    {
      seq_num: 1,
      expression1: { attribute_name: date, operator: 'ge' as const, attribute_value: day(q.from) },
      condition: 'and' as const,
      expression2: { attribute_name: date, operator: 'le' as const, attribute_value: day(q.to) },
    },
    ...(q.area ? [{ seq_num: 2, expression1: { attribute_name: PLACE_ATTRIBUTE[q.event], operator: 'eq' as const, attribute_value: q.area } }] : []),
  ];
  return {
    reference_id: `page-${page}`,
    search_criteria: {
      reg_type: 'ns:org:RegistryType:Civil',
      reg_event_type: `spdci-common:RegistryEventType:${q.event}`,
      reg_record_type: 'spdci-extensions-dci:Person',
      query_type: 'predicate',
      query,
      sort: [{ attribute_name: NUMBER_ATTRIBUTE[q.event], sort_order: 'asc' }],
      pagination: { page_size: q.pageSize, page_number: page },
    },
  };
}

/** Pages `first` … `first + count - 1` in one call; a rejected page fails the call (the import retries it). */
export async function fetchPages(client: DciClient, q: RangeQuery, first: number, count: number): Promise<FetchedPage[]> {
  const numbers = Array.from({ length: count }, (_, i) => first + i);
  const answers = await client.search(numbers.map((n) => item(q, n)));
  return numbers.map((number) => {
    const answer = answers.find((a) => a.reference_id === `page-${number}`);
    if (!answer || answer.status !== 'succ') {
      throw unavailable(client.source.name, 'PAGE_REJECTED', `the registry did not answer page ${number}`, { partnerCode: answer?.status_reason_code });
    }
    const records = recordsOf(answer.data?.reg_records ?? []);
    return { number, records, totalCount: answer.pagination?.total_count ?? records.length };
  });
}
