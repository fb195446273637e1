/**
 * What an operator asks a social registry, as DCI search criteria and subscription filters
 * (SPEC-NOTES 3): one identifier (`idtype-value`) or a list of conditions that must all hold (a
 * `predicate` list, ANDed). Pure; attribute names are the partner's vocabulary and pass unchanged.
 */
import type { SearchItem } from '../../adapters/dci/client/client';
import type { ExpPredicateWithCondition, SubscribeCriteria } from '../../adapters/dci/protocol';
import { badInput } from '../errors';
import { text } from '../registry/input';

export const SOCIAL_REGISTRY_TYPE = 'ns:org:RegistryType:Social';
export const RECORD_TYPES = ['Group', 'Member'] as const;
export const OPERATORS = ['eq', 'gt', 'ge', 'lt', 'le', 'in'] as const;
/** The social registry's notification events (social_api NotifyEventRequest `reg_event_type`). */
export const EVENT_TYPES = ['REGISTER', 'NewHouseHoldMember'] as const;
export const MAX_PAGE_SIZE = 100;
const MAX_CONDITIONS = 10;

export interface ConditionInput {
  attribute: string;
  operator?: (typeof OPERATORS)[number] | null;
  value: string;
}

export interface CriteriaInput {
  recordType?: (typeof RECORD_TYPES)[number] | null;
  identifier?: { type: string; value: string } | null;
  conditions?: ConditionInput[] | null;
  pageSize?: number | null;
  page?: number | null;
}

function predicates(field: string, conditions: ConditionInput[]): ExpPredicateWithCondition[] {
  if (conditions.length > MAX_CONDITIONS) throw badInput(field, `takes at most ${MAX_CONDITIONS} conditions`);
  return conditions.map((c, i) => ({
    seq_num: i + 1,
    expression1: {
      attribute_name: text(`${field}[${i}].attribute`, c.attribute, { required: true, max: 60 })!,
      operator: c.operator ?? 'eq',
      attribute_value: text(`${field}[${i}].value`, c.value, { required: true, max: 200 })!,
    },
  }));
}

/** One search item; exactly one of `identifier` and `conditions` says whom to find. */
export function searchItem(criteria: CriteriaInput): SearchItem {
  const hasConditions = (criteria.conditions?.length ?? 0) > 0;
  if (Boolean(criteria.identifier) === hasConditions) throw badInput('criteria', 'give either identifier or conditions');
  const pageSize = criteria.pageSize ?? 20;
  const page = criteria.page ?? 1;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw badInput('criteria.pageSize', `must be between 1 and ${MAX_PAGE_SIZE}`);
  if (!Number.isInteger(page) || page < 1) throw badInput('criteria.page', 'must be at least 1');
  const recordType = criteria.recordType ?? 'Group';
  const query = criteria.identifier
    ? {
        query_type: 'idtype-value' as const,
        query: {
          type: text('criteria.identifier.type', criteria.identifier.type, { required: true, max: 40 })!,
          value: text('criteria.identifier.value', criteria.identifier.value, { required: true, max: 100 })!,
        },
      }
    : { query_type: 'predicate' as const, query: predicates('criteria.conditions', criteria.conditions!) };
  return {
    search_criteria: {
      version: '1.0.0',
      reg_type: SOCIAL_REGISTRY_TYPE,
      reg_record_type: recordType,
      response_entity: recordType,
      ...query,
      pagination: { page_size: pageSize, page_number: page },
    },
  };
}

/**
 * One subscription's criteria. Without a filter: every event registered from `today` on (what was
 * registered before is what a search is for).
 */
export function subscribeCriteria(eventType: string, filter: ConditionInput[] | null | undefined, today: string): SubscribeCriteria {
  if (!(EVENT_TYPES as readonly string[]).includes(eventType)) throw badInput('eventType', `must be one of ${EVENT_TYPES.join(', ')}`);
  const conditions = filter?.length ? filter : [{ attribute: 'registration_date', operator: 'ge' as const, value: today }];
  return {
    version: '1.0.0',
    reg_type: SOCIAL_REGISTRY_TYPE,
    reg_event_type: eventType,
    filter_type: 'predicate',
    filter: predicates('filter', conditions),
    notify_record_type: 'Group',
  };
}
