/**
 * The scope catalogue. A token grants exactly the scopes listed here that it carries; anything else
 * in a token's scope claim is ignored, so a typo or a foreign scope can never widen access.
 */
export const SCOPES = {
  'registry:read': 'Read registry records (without personal data fields)',
  'registry:write': 'Create and update registry records',
  'registry:pii': 'See personal data fields of registry records',
  'partners:admin': 'Manage partner systems and their credentials',
  'dci:search': 'Call the DCI search API',
  'dci:subscribe': 'Call the DCI subscribe and unsubscribe APIs, and acknowledge notifications (receipts)',
  'dci:callback': 'Post DCI callbacks and notifications to the gateway (partner systems)',
  'schema:read': 'Read the schema as a federation subgraph (_service { sdl }), for supergraph composition',
  'programs:admin': 'Create and update programmes and their eligibility rules',
  'metrics:read': 'Scrape the Prometheus metrics at /metrics (operators and their monitoring; never partners)',
  'audit:read': 'Read and export the audits: which partner received whose data, which fields and why; who changed partners and data sources',
} as const satisfies Record<string, string>;

export type Scope = keyof typeof SCOPES;

export const ALL_SCOPES = Object.keys(SCOPES) as readonly Scope[];

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && Object.hasOwn(SCOPES, value);
}
