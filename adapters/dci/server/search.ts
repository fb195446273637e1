/**
 * Answers a SearchRequest: each `search_request` item is translated into a GraphQL operation, run in
 * process as the partner (so its masking applies), and mapped to DCI records. One bad item is
 * rejected on its own; the others are still answered.
 *
 * Many people per envelope are answered together: the items that look a person or a group up by one
 * identifier (the common case of a partner checking a list of people) share one registry read, and
 * the other items run a few at a time rather than one after another.
 */
import type { Principal } from '../../../src/auth/principal';
import type { GraphqlExecutor } from '../../../src/graphql/inProcess';
import { MAX_IDENTIFIER_LOOKUPS } from '../../../src/registry/identifiers';
import { isDatabaseUnreachable } from '../../../src/store/liveness';
import type { SearchReasonCode, SearchRequest, SearchResponse, SearchResponseItem } from '../protocol';
import type { ExecutionResult } from 'graphql';
import { Disclosure, registryScopes } from './disclosure';
import type { InboundPartner } from './partners';
import { IDENTIFIER_LOOKUPS, RegistrantNode } from './operations';
import { SearchTranslation, translateSearch } from './query';
import { rejectedItem, searchResponseItem } from './records';

export interface SearchDeps {
  graphql: GraphqlExecutor;
  maxPageSize: number;
}

type SearchItem = SearchRequest['search_request'][number];
type Plan = Extract<SearchTranslation, { ok: true }>;
interface Planned {
  item: SearchItem;
  plan: Plan;
}

/** Who asks and what it may see, for every item of one request. */
interface Asking {
  principal: Principal;
  disclosure: Disclosure;
  deps: SearchDeps;
  now: Date;
}

/** Items other than identifier lookups in flight at once: enough to overlap database round trips. */
const ITEM_CONCURRENCY = 4;

/**
 * The registry principal a partner's searches run as: read, and personal data when its disclosure
 * profile gives any field (the record mapping then masks and omits the rest).
 */
export function partnerPrincipal(partner: InboundPartner, subject: string, issuer: string): Principal {
  return { subject, kind: 'partner', partnerId: partner.senderId, issuer, scopes: new Set(registryScopes(partner.disclosure)) };
}

export async function answerSearch(
  request: SearchRequest,
  partner: InboundPartner,
  principal: Principal,
  correlationId: string,
  deps: SearchDeps,
): Promise<SearchResponse> {
  const now = new Date();
  const allowedAttributes = new Set(partner.queryAttributes);
  const seen = new Set<string>();
  const answers: (SearchResponseItem | undefined)[] = [];
  const planned: (Planned & { at: number })[] = [];
  request.search_request.forEach((item, at) => {
    if (seen.has(item.reference_id)) {
      answers[at] = rejectedItem(item.reference_id, 'rjct.reference_id.duplicate', 'reference_id repeats an earlier item', now);
      return;
    }
    seen.add(item.reference_id);
    const plan = translateSearch(item.search_criteria, { allowedAttributes, disclosure: partner.disclosure, maxPageSize: deps.maxPageSize, now });
    if (plan.ok) planned.push({ item, plan, at });
    else answers[at] = rejectedItem(item.reference_id, plan.reason, plan.message, now);
  });

  const as: Asking = { principal, disclosure: partner.disclosure, deps, now };
  const lookups = planned.filter(({ plan }) => identifierOf(plan) !== undefined);
  const others = planned.filter(({ plan }) => identifierOf(plan) === undefined);
  const [looked, searched] = await Promise.all([answerLookups(lookups, as), inTurns(others, ITEM_CONCURRENCY, (p) => answerPlanned(p, as))]);
  const answered = [...looked, ...searched];
  [...lookups, ...others].forEach((p, i) => (answers[p.at] = answered[i]));
  return { transaction_id: request.transaction_id, correlation_id: correlationId, search_response: answers as SearchResponseItem[] };
}

/** The identifier an item looks up when that is all its query asks (idtype-value, or one identifier condition). */
function identifierOf(plan: Plan): { type: string; value: string } | undefined {
  const { filter } = plan.variables;
  const keys = Object.keys(filter);
  return keys.length === 1 && keys[0] === 'identifier' ? (filter.identifier as { type: string; value: string }) : undefined;
}

/**
 * Identifier lookups, up to MAX_IDENTIFIER_LOOKUPS per registry read. An identifier is unique across
 * the registry, so each item matches at most one record, which only its first page holds. Should
 * the batch fail, each item is answered on its own, so its own refusal reaches the partner.
 */
async function answerLookups(lookups: Planned[], as: Asking): Promise<SearchResponseItem[]> {
  const { principal, disclosure, deps, now } = as;
  const answers: SearchResponseItem[] = [];
  for (let start = 0; start < lookups.length; start += MAX_IDENTIFIER_LOOKUPS) {
    const batch = lookups.slice(start, start + MAX_IDENTIFIER_LOOKUPS);
    const result = await deps.graphql(IDENTIFIER_LOOKUPS, { identifiers: batch.map(({ plan }) => identifierOf(plan)), indicators: batch[0].plan.variables.indicators ?? [] }, principal);
    throwIfUnreachable(result);
    if (result.errors?.length) {
      answers.push(...(await inTurns(batch, ITEM_CONCURRENCY, (p) => answerPlanned(p, as))));
      continue;
    }
    const holders = (result.data as { registrantsByIdentifiers: (RegistrantNode | null)[] }).registrantsByIdentifiers;
    batch.forEach(({ item, plan }, i) => {
      const holder = holders[i];
      const match = holder && (holder.__typename === 'Group') === (plan.entity === 'group') ? holder : undefined;
      const nodes = match && plan.page.number === 1 ? [match] : [];
      answers.push(searchResponseItem(item.reference_id, plan.entity, nodes, plan.page, match ? 1 : 0, disclosure, now));
    });
  }
  return answers;
}

async function answerPlanned({ item, plan }: Planned, { principal, disclosure, deps, now }: Asking): Promise<SearchResponseItem> {
  const result = await deps.graphql(plan.operation, plan.variables, principal);
  throwIfUnreachable(result);
  if (result.errors?.length) {
    const badInput = result.errors.find((e) => e.extensions?.code === 'BAD_USER_INPUT');
    const reason: SearchReasonCode = badInput ? 'rjct.filter.invalid' : 'rjct.search_criteria.invalid';
    return rejectedItem(item.reference_id, reason, badInput ? badInput.message : 'the search could not be run', now);
  }
  const connection = (result.data as Record<string, { totalCount: number; edges: { node: Record<string, unknown> }[] }>)[
    plan.entity === 'group' ? 'groups' : 'individuals'
  ];
  return searchResponseItem(item.reference_id, plan.entity, connection.edges.map((e) => e.node), plan.page, connection.totalCount, disclosure, now);
}

/** The registry could not be read: no answer about the criteria, the whole message fails (and an async one is retried). */
function throwIfUnreachable(result: ExecutionResult): void {
  const unreachable = result.errors?.find((e) => isDatabaseUnreachable(e.originalError));
  if (unreachable) throw unreachable.originalError;
}

/** `work` over `items`, at most `limit` at a time, results in the items' order. */
async function inTurns<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      results[at] = await work(items[at]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
