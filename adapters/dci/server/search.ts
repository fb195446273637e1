/**
 * Answers a SearchRequest: each `search_request` item is translated into a GraphQL operation, run in
 * process as the partner (so its masking applies), and mapped to DCI records. One bad item is
 * rejected on its own; the others are still answered.
 */
import type { Principal } from '../../../src/auth/principal';
import type { Scope } from '../../../src/auth/scopes';
import type { GraphqlExecutor } from '../../../src/graphql/inProcess';
import { isDatabaseUnreachable } from '../../../src/store/liveness';
import type { SearchReasonCode, SearchRequest, SearchResponse, SearchResponseItem } from '../protocol';
import type { InboundPartner } from './partners';
import { translateSearch } from './query';
import { rejectedItem, searchResponseItem } from './records';

export interface SearchDeps {
  graphql: GraphqlExecutor;
  maxPageSize: number;
}

/** The registry principal a partner's searches run as: read, and personal data only if granted. */
export function partnerPrincipal(partner: InboundPartner, subject: string, issuer: string): Principal {
  const scopes: Scope[] = partner.pii ? ['registry:read', 'registry:pii'] : ['registry:read'];
  return { subject, kind: 'partner', partnerId: partner.senderId, issuer, scopes: new Set(scopes) };
}

export async function answerSearch(
  request: SearchRequest,
  partner: InboundPartner,
  principal: Principal,
  correlationId: string,
  deps: SearchDeps,
): Promise<SearchResponse> {
  const now = new Date();
  const seen = new Set<string>();
  const items: SearchResponseItem[] = [];
  for (const item of request.search_request) {
    if (seen.has(item.reference_id)) {
      items.push(rejectedItem(item.reference_id, 'rjct.reference_id.duplicate', 'reference_id repeats an earlier item', now));
      continue;
    }
    seen.add(item.reference_id);
    items.push(await answerItem(item, partner, principal, deps, now));
  }
  return { transaction_id: request.transaction_id, correlation_id: correlationId, search_response: items };
}

async function answerItem(
  item: SearchRequest['search_request'][number],
  partner: InboundPartner,
  principal: Principal,
  deps: SearchDeps,
  now: Date,
): Promise<SearchResponseItem> {
  const plan = translateSearch(item.search_criteria, { allowedAttributes: new Set(partner.queryAttributes), maxPageSize: deps.maxPageSize, now });
  if (!plan.ok) return rejectedItem(item.reference_id, plan.reason, plan.message, now);
  const result = await deps.graphql(plan.operation, plan.variables, principal);
  // The registry could not be read: no answer about the criteria, the whole message fails (and an async one is retried).
  const unreachable = result.errors?.find((e) => isDatabaseUnreachable(e.originalError));
  if (unreachable) throw unreachable.originalError;
  if (result.errors?.length) {
    const badInput = result.errors.find((e) => e.extensions?.code === 'BAD_USER_INPUT');
    const reason: SearchReasonCode = badInput ? 'rjct.filter.invalid' : 'rjct.search_criteria.invalid';
    return rejectedItem(item.reference_id, reason, badInput ? badInput.message : 'the search could not be run', now);
  }
  const connection = (result.data as Record<string, { totalCount: number; edges: { node: Record<string, unknown> }[] }>)[
    plan.entity === 'group' ? 'groups' : 'individuals'
  ];
  return searchResponseItem(item.reference_id, plan.entity, connection.edges.map((e) => e.node), plan.page, connection.totalCount, now);
}
