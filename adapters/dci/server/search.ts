/**
 * Answers a SearchRequest: each `search_request` item is translated into a GraphQL operation, run in
 * process as the partner (so its masking applies), and mapped to DCI records. One bad item is
 * rejected on its own; the others are still answered. An item whose purpose the partner's policy
 * refuses runs without personal data (purpose.ts). The answer lists the people it discloses, which
 * its sender records before sending it (disclosureAudit.ts).
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
import { peopleCollector, PersonDisclosure } from './disclosureAudit';
import type { InboundPartner } from './partners';
import { IDENTIFIER_LOOKUPS, RegistrantNode } from './operations';
import { SearchTranslation, translateSearch } from './query';
import { rejectedItem, searchResponseItem } from './records';

export interface SearchDeps {
  graphql: GraphqlExecutor;
  maxPageSize: number;
}

/** A search answered, and the people it discloses. */
export interface SearchAnswer {
  message: SearchResponse;
  disclosed: PersonDisclosure[];
}

type SearchItem = SearchRequest['search_request'][number];
type Plan = Extract<SearchTranslation, { ok: true }>;
interface Planned {
  item: SearchItem;
  plan: Plan;
}

/** One item's answer and the people it shows. */
interface Answered {
  item: SearchResponseItem;
  people: PersonDisclosure[];
}

/** Who asks, for every item of one request; what each item may see is its plan's. */
interface Asking {
  principal: Principal;
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

/** The partner's principal reading with the registry scopes of this disclosure (fewer when its purpose was refused). */
export const principalFor = (principal: Principal, disclosure: Disclosure): Principal => ({ ...principal, scopes: new Set(registryScopes(disclosure)) });

const rejected = (item: SearchResponseItem): Answered => ({ item, people: [] });

/** A successful item, and the people its records show. */
function rendered({ item, plan }: Planned, nodes: readonly object[], totalCount: number, now: Date): Answered {
  const people = peopleCollector();
  const answered = searchResponseItem(item.reference_id, plan.entity, nodes, plan.page, totalCount, plan.disclosure, now, people.seen);
  return { item: answered, people: people.people(plan.purpose, item.reference_id) };
}

export async function answerSearch(
  request: SearchRequest,
  partner: InboundPartner,
  principal: Principal,
  correlationId: string,
  deps: SearchDeps,
): Promise<SearchAnswer> {
  const now = new Date();
  const allowedAttributes = new Set(partner.queryAttributes);
  const seen = new Set<string>();
  const answers: Answered[] = [];
  const planned: (Planned & { at: number })[] = [];
  request.search_request.forEach((item, at) => {
    if (seen.has(item.reference_id)) {
      answers[at] = rejected(rejectedItem(item.reference_id, 'rjct.reference_id.duplicate', 'reference_id repeats an earlier item', now));
      return;
    }
    seen.add(item.reference_id);
    const plan = translateSearch(item.search_criteria, { allowedAttributes, disclosure: partner.disclosure, purposes: partner.purposes, maxPageSize: deps.maxPageSize, now });
    if (plan.ok) planned.push({ item, plan, at });
    else answers[at] = rejected(rejectedItem(item.reference_id, plan.reason, plan.message, now));
  });

  const as: Asking = { principal, deps, now };
  const isLookup = ({ plan }: Planned) => identifierOf(plan) !== undefined;
  // Lookups share registry reads, each read with one set of scopes: those without personal data read apart.
  const groups = [
    planned.filter((p) => isLookup(p) && !p.plan.purposeRefused),
    planned.filter((p) => isLookup(p) && p.plan.purposeRefused),
    planned.filter((p) => !isLookup(p)),
  ];
  const [personal, withheld, searched] = await Promise.all([answerLookups(groups[0], as), answerLookups(groups[1], as), inTurns(groups[2], ITEM_CONCURRENCY, (p) => answerPlanned(p, as))]);
  const answered = [...personal, ...withheld, ...searched];
  groups.flat().forEach((p, i) => (answers[p.at] = answered[i]));
  return {
    message: { transaction_id: request.transaction_id, correlation_id: correlationId, search_response: answers.map((a) => a.item) },
    disclosed: answers.flatMap((a) => a.people),
  };
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
async function answerLookups(lookups: Planned[], as: Asking): Promise<Answered[]> {
  const { principal, deps, now } = as;
  const answers: Answered[] = [];
  for (let start = 0; start < lookups.length; start += MAX_IDENTIFIER_LOOKUPS) {
    const batch = lookups.slice(start, start + MAX_IDENTIFIER_LOOKUPS);
    // An absent list must stay absent: `indicators: undefined` reaches GraphQL as null, which reads every indicator.
    const { indicators = [] } = batch[0].plan.variables;
    const result = await deps.graphql(IDENTIFIER_LOOKUPS, { identifiers: batch.map(({ plan }) => identifierOf(plan)), indicators }, principalFor(principal, batch[0].plan.disclosure));
    throwIfUnreachable(result);
    if (result.errors?.length) {
      answers.push(...(await inTurns(batch, ITEM_CONCURRENCY, (p) => answerPlanned(p, as))));
      continue;
    }
    const holders = (result.data as { registrantsByIdentifiers: (RegistrantNode | null)[] }).registrantsByIdentifiers;
    batch.forEach((p, i) => {
      const holder = holders[i];
      const match = holder && (holder.__typename === 'Group') === (p.plan.entity === 'group') ? holder : undefined;
      const nodes = match && p.plan.page.number === 1 ? [match] : [];
      answers.push(rendered(p, nodes, match ? 1 : 0, now));
    });
  }
  return answers;
}

async function answerPlanned(planned: Planned, { principal, deps, now }: Asking): Promise<Answered> {
  const { item, plan } = planned;
  const result = await deps.graphql(plan.operation, plan.variables, principalFor(principal, plan.disclosure));
  throwIfUnreachable(result);
  if (result.errors?.length) {
    const badInput = result.errors.find((e) => e.extensions?.code === 'BAD_USER_INPUT');
    const reason: SearchReasonCode = badInput ? 'rjct.filter.invalid' : 'rjct.search_criteria.invalid';
    return rejected(rejectedItem(item.reference_id, reason, badInput ? badInput.message : 'the search could not be run', now));
  }
  const connection = (result.data as Record<string, { totalCount: number; edges: { node: Record<string, unknown> }[] }>)[
    plan.entity === 'group' ? 'groups' : 'individuals'
  ];
  return rendered(planned, connection.edges.map((e) => e.node), connection.totalCount, now);
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
