/**
 * `dci-gateway sr`: the social-registry client role from the command line. The commands call the
 * running gateway's GraphQL API (the one that owns the receiver where async answers, subscription
 * confirmations and notifications arrive), with the token in DCI_GATEWAY_TOKEN or, when it is not
 * set, a five-minute token minted from DATA_DIR's signing key with only the scopes the command needs.
 * Each prints its result as JSON on stdout.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Scope } from '../../auth/scopes';
import { TokenService } from '../../auth/tokens';
import { notFound } from '../../errors';
import { badOption, positiveInteger, printJson, loadRuntime } from '../runtime';

const TOKEN_TTL_SECONDS = 300;
const REQUEST_TIMEOUT_MS = 90_000;
const OPERATORS: Record<string, string> = { '>=': 'ge', '<=': 'le', '>': 'gt', '<': 'lt', '=': 'eq', '~': 'in' };

const TRANSACTION = `id dataSource kind mode status error ack { status correlationId }
  results { referenceId status reasonCode reasonMessage recordType eventType records totalCount pageNumber pageSize }`;
const SEARCH = `mutation ($dataSource: String!, $criteria: SocialRegistryCriteria!, $mode: SocialRegistrySearchMode) {
  searchSocialRegistry(dataSource: $dataSource, criteria: $criteria, mode: $mode) { ${TRANSACTION} } }`;
const SUBSCRIBE = `mutation ($dataSource: String!, $eventType: SocialRegistryEventType!, $filter: [SocialRegistryCondition!]) {
  subscribeSocialRegistry(dataSource: $dataSource, eventType: $eventType, filter: $filter) { code dataSource eventType filter status subscribedAt } }`;
const UNSUBSCRIBE = `mutation ($dataSource: String!, $codes: [String!]!) {
  unsubscribeSocialRegistry(dataSource: $dataSource, subscriptionCodes: $codes) { code dataSource status endedAt } }`;
const TRANSACTION_SOURCE = `query ($id: ID!) { socialRegistryTransaction(id: $id) { id dataSource } }`;
const IMPORT = `mutation ($id: ID!, $refs: [String!]) {
  importFromSocialRegistry(transactionId: $id, referenceIds: $refs) {
    transaction { id dataSource kind } counts { created updated unchanged review } individuals { id } groups { id size } } }`;

interface Condition {
  attribute: string;
  operator: string;
  value: string;
}

/** `attribute=value`, `attribute>=value`, `attribute~a,b` (in): the predicate operators. */
function condition(text: string, previous: Condition[] = []): Condition[] {
  const match = /^([A-Za-z_][\w.]*)\s*(>=|<=|>|<|=|~)\s*(.+)$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError('must be attribute=value (or >=, <=, >, <, ~ for a comma-separated list).');
  return [...previous, { attribute: match[1], operator: OPERATORS[match[2]], value: match[3].trim() }];
}

function identifier(text: string): { type: string; value: string } {
  const at = text.indexOf('=');
  if (at < 1 || at === text.length - 1) throw new InvalidArgumentError('must be TYPE=VALUE, e.g. UIN=7100000001.');
  return { type: text.slice(0, at).trim(), value: text.slice(at + 1).trim() };
}

interface Gateway {
  gateway?: string;
}

/** One GraphQL operation against the running gateway; a GraphQL error ends the command with its code. */
async function call<T>(opts: Gateway, scopes: Scope[], query: string, variables: Record<string, unknown>): Promise<T> {
  const { config } = loadRuntime();
  const base = (opts.gateway ?? `http://127.0.0.1:${config.port}`).replace(/\/+$/, '');
  const token =
    process.env.DCI_GATEWAY_TOKEN ||
    (await (await TokenService.open({ dataDir: config.dataDir, issuer: config.dciSenderId, external: config.externalIssuer })).issue({ subject: 'cli', scopes, kind: 'user', ttlSeconds: TOKEN_TTL_SECONDS }));
  let res: Response;
  try {
    res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch {
    throw new Error(`UNAVAILABLE: the gateway at ${base} cannot be reached (is it running? --gateway names another)`);
  }
  let body: { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new Error(`UNAVAILABLE: the gateway at ${base} answered HTTP ${res.status} without a GraphQL body`);
  }
  const error = body.errors?.[0];
  if (error || !body.data) throw new Error(`${error?.extensions?.code ?? 'INTERNAL_SERVER_ERROR'}: ${error?.message ?? `HTTP ${res.status}`}`);
  return body.data;
}

interface CriteriaOptions extends Gateway {
  source: string;
  identifier?: { type: string; value: string };
  where?: Condition[];
  recordType: string;
  pageSize?: number;
  page?: number;
}

const criteriaOf = (o: CriteriaOptions) => ({
  recordType: o.recordType,
  ...(o.identifier && { identifier: o.identifier }),
  ...(o.where && { conditions: o.where }),
  ...(o.pageSize !== undefined && { pageSize: o.pageSize }),
  ...(o.page !== undefined && { page: o.page }),
});

/** Parsed records: the transaction as JSON, not JSON strings within JSON. */
const readable = (tx: { results: { records: string[] }[] }) => ({ ...tx, results: tx.results.map((r) => ({ ...r, records: r.records.map((x) => JSON.parse(x) as unknown) })) });

const withCriteria = (cmd: Command) =>
  cmd
    .requiredOption('--source <name>', 'the data source (kind social)')
    .option('--identifier <TYPE=VALUE>', 'find by one identifier, e.g. UIN=7100000001 or HOUSEHOLD_ID=HH-SR-1-000001', identifier)
    .option('--where <condition>', 'a condition that must hold, e.g. location=NR-01 or birth_date>=1990-01-01; repeat for several', condition)
    .addOption(new Option('--record-type <type>', 'households or people').choices(['Group', 'Member']).default('Group'))
    .option('--page-size <n>', 'records per page, at most 100', positiveInteger)
    .option('--page <n>', 'page number, from 1', positiveInteger);

const withGateway = (cmd: Command) => cmd.option('--gateway <url>', 'the running gateway (default http://127.0.0.1:$PORT)');

export function registerSocialRegistry(program: Command): void {
  const sr = program.command('sr').description('search, subscribe to and import from another social registry (a data source of kind social) through the running gateway; prints JSON');

  withGateway(withCriteria(sr.command('search').description('search the registry; with --async, print the transaction and its ACK at once (the answer arrives at the gateway)')))
    .option('--async', 'ask for an async answer')
    .action(async (o: CriteriaOptions & { async?: boolean }) => {
      const data = await call<{ searchSocialRegistry: { results: { records: string[] }[] } }>(o, ['registry:read', 'registry:pii'], SEARCH, { dataSource: o.source, criteria: criteriaOf(o), mode: o.async ? 'ASYNC' : 'SYNC' });
      printJson(readable(data.searchSocialRegistry));
    });

  withGateway(sr.command('subscribe').description("subscribe to the registry's events; without --where, every event registered from today on"))
    .requiredOption('--source <name>', 'the data source (kind social)')
    .addOption(new Option('--event <type>', 'the event type').choices(['REGISTER', 'NewHouseHoldMember']).default('REGISTER'))
    .option('--where <condition>', 'a filter condition, e.g. location=NR-01; repeat for several', condition)
    .action(async (o: Gateway & { source: string; event: string; where?: Condition[] }) => {
      printJson((await call<{ subscribeSocialRegistry: unknown }>(o, ['registry:write'], SUBSCRIBE, { dataSource: o.source, eventType: o.event, filter: o.where ?? null })).subscribeSocialRegistry);
    });

  withGateway(sr.command('unsubscribe').description('end subscriptions held at the registry'))
    .requiredOption('--source <name>', 'the data source (kind social)')
    .requiredOption('--code <code>', 'a subscription code; repeat for several', (value: string, previous: string[] = []) => [...previous, value])
    .action(async (o: Gateway & { source: string; code: string[] }) => {
      printJson((await call<{ unsubscribeSocialRegistry: unknown }>(o, ['registry:write'], UNSUBSCRIBE, { dataSource: o.source, codes: o.code })).unsubscribeSocialRegistry);
    });

  withGateway(withCriteria(sr.command('import').description('create the people and households of a transaction (--transaction), or of a sync search made now, through the registry rules')))
    .option('--transaction <id>', 'an answered search or notification of this data source')
    .option('--reference <id>', 'only this item of the transaction; repeat for several', (value: string, previous: string[] = []) => [...previous, value])
    .action(async (o: CriteriaOptions & { transaction?: string; reference?: string[] }) => {
      const scopes: Scope[] = ['registry:read', 'registry:write', 'registry:pii'];
      let id = o.transaction;
      if (id) {
        const found = (await call<{ socialRegistryTransaction: { dataSource: string } | null }>(o, scopes, TRANSACTION_SOURCE, { id })).socialRegistryTransaction;
        if (!found) throw notFound('social registry transaction');
        if (found.dataSource !== o.source) throw badOption(`the transaction belongs to data source ${found.dataSource}, not ${o.source}`);
      } else {
        if (!o.identifier && !o.where) throw badOption('give --transaction, or --identifier / --where to search first');
        id = (await call<{ searchSocialRegistry: { id: string } }>(o, scopes, SEARCH, { dataSource: o.source, criteria: criteriaOf(o), mode: 'SYNC' })).searchSocialRegistry.id;
      }
      printJson((await call<{ importFromSocialRegistry: unknown }>(o, scopes, IMPORT, { id, refs: o.reference ?? null })).importFromSocialRegistry);
    });
}
