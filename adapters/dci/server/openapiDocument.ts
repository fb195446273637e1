/**
 * The OpenAPI document of our own DCI surface, served at `{DCI_BASE_PATH}/openapi.json`: the official
 * Social Registry file (as our validators read it) cut down to what we serve, with the token and
 * JWKS endpoints of the core files and our own rules as `x-dci-gateway` extensions. Built from the
 * official files rather than written by hand, so it cannot drift from the schemas we validate with.
 */
import { officialDocument } from '../protocol/openapi';
import { MAX_UPLOAD_BYTES, MAX_UPLOAD_SEARCH_IDENTIFIERS, MAX_UPLOAD_VERIFY_IDENTIFIERS, UPLOAD_PAGE_SIZE } from './uploads';

type Json = Record<string, any>;

/** The operations the DCI router serves under the base path (registry side and receiver side). */
export const SERVED_PATHS = [
  '/registry/search',
  '/registry/sync/search',
  '/registry/subscribe',
  '/registry/unsubscribe',
  '/registry/txn/status',
  '/registry/sync/txn/status',
  '/registry/receipt',
  '/registry/sync/receipt',
  '/registry/on-search',
  '/registry/on-subscribe',
  '/registry/on-unsubscribe',
  '/registry/txn/on-status',
  '/registry/notify',
  '/registry/upload/search',
  '/registry/upload/verify',
] as const;

/** Our uploads (protocol/extensions/uploads.yaml) take multipart/form-data: the signed envelope beside its file. */
export const MULTIPART_PATHS: readonly string[] = ['/registry/upload/search', '/registry/upload/verify'];

/** Our refusals that the official file leaves to `default`: each an ERR acknowledgement. */
const REFUSALS: Record<string, string> = {
  '400': 'ERR acknowledgement: the envelope fails the official schema, or its sender id or signature does not match (err.request.bad, err.signature.invalid, err.sender_id.invalid, …)',
  '413': 'ERR acknowledgement err.request.bad: the body is over the size limit',
  '415': 'ERR acknowledgement err.request.bad: the body is not application/json',
  '429': 'ERR acknowledgement err.request.too_many_requests: the partner is over its rate limit; see the Retry-After header',
  '503': 'ERR acknowledgement err.service.unavailable: the registry database is not answering; retry later',
};

export interface OpenapiDocumentOptions {
  dciBasePath: string;
  signingProfiles: readonly string[];
  maxBodyBytes: number;
  version: string;
}

/** Keeps a component only once: the core files repeat some of the Social Registry file's, identically. */
function mergeComponents(into: Json, from: Json, file: string): void {
  for (const [section, entries] of Object.entries<Json>(from)) {
    into[section] ??= {};
    for (const [name, value] of Object.entries(entries)) {
      const existing = into[section][name];
      if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(value)) {
        throw new Error(`${file}: components.${section}.${name} differs from the Social Registry file's`);
      }
      into[section][name] = value;
    }
  }
}

/** Only the JSON form of each request: we do not accept multipart file uploads on these paths. */
function jsonOnly(operation: Json): void {
  const content = operation.requestBody?.content;
  if (content) for (const type of Object.keys(content)) if (type !== 'application/json') delete content[type];
}

/**
 * The core JWKS file nests its JWK schema inside JWKSResponse (`components` within a schema object),
 * which OpenAPI 3 does not allow: validators refuse the document. Lifted to a component of its own.
 */
function hoistJwk(jwks: Json): void {
  const response = jwks.components?.schemas?.JWKSResponse;
  const jwk = response?.components?.schemas?.JWK;
  if (!jwk || response.properties?.keys?.items?.$ref !== '#/components/schemas/JWKSResponse/components/schemas/JWK') {
    throw new Error('jwks_core_api: JWK is no longer nested in JWKSResponse');
  }
  delete response.components;
  response.properties.keys.items.$ref = '#/components/schemas/JWK';
  jwks.components.schemas.JWK = jwk;
}

/**
 * The core locations file is marked 3.0.3 but uses two OpenAPI 3.1 forms, which 3.0 validators
 * refuse: `type: [null, string]` (written `nullable` here) and `const` (a one-value `enum`).
 * Returns how many it rewrote.
 */
function as30(node: unknown, found: { count: number } = { count: 0 }): number {
  if (Array.isArray(node)) node.forEach((child) => as30(child, found));
  else if (node && typeof node === 'object') {
    const schema = node as Json;
    if (Array.isArray(schema.type) && schema.type.length === 2 && schema.type.includes('null')) {
      schema.type = schema.type.find((t: string) => t !== 'null');
      schema.nullable = true;
      found.count += 1;
    }
    if ('const' in schema && typeof schema.type === 'string') {
      schema.enum = [schema.const];
      delete schema.const;
      found.count += 1;
    }
    Object.values(schema).forEach((child) => as30(child, found));
  }
  return found.count;
}

export function buildOpenapiDocument(options: OpenapiDocumentOptions): Json {
  const social = officialDocument('social') as Json;
  const paths: Json = {};
  for (const path of SERVED_PATHS) {
    const item = social.paths[path];
    if (!item?.post) throw new Error(`social_api: no POST ${path}`);
    const multipart = MULTIPART_PATHS.includes(path);
    if (!multipart) jsonOnly(item.post);
    for (const [status, refusal] of Object.entries(REFUSALS)) {
      const description = multipart && status === '415' ? 'ERR acknowledgement err.request.bad: the body is not multipart/form-data' : refusal;
      item.post.responses[status] ??= { description, content: social.components.responses.Response.content };
    }
    paths[path] = item;
  }
  const components = social.components;
  // The token, JWKS and locations endpoints live at the root of the host, not under the DCI base path.
  for (const api of ['authz', 'jwks', 'locations'] as const) {
    const core = officialDocument(api) as Json;
    if (api === 'jwks') hoistJwk(core);
    if (api === 'locations' && as30(core) === 0) throw new Error('locations_core_api: no OpenAPI 3.1 form left to rewrite');
    for (const [path, item] of Object.entries<Json>(core.paths)) paths[path] = { ...item, servers: [{ url: '/' }] };
    mergeComponents(components, core.components, api);
  }
  return {
    openapi: social.openapi,
    info: {
      title: 'dci-gateway: DCI Social Registry API',
      version: options.version,
      description:
        'The DCI Social Registry API as this gateway serves it, assembled from the official OpenAPI files ' +
        `(Social Registry ${social.info.version}, core authz and JWKS). Messages are validated against those files. ` +
        'The notification receipt operations (/registry/receipt, /registry/sync/receipt) are our extension, marked x-dci-gateway-extension.',
    },
    servers: [{ url: options.dciBasePath, description: 'this gateway' }],
    tags: social.tags?.filter((tag: Json) => tag.name === 'Async' || tag.name === 'Sync'),
    paths,
    components,
    'x-dci-gateway': {
      signingProfiles: options.signingProfiles,
      maxBodyBytes: options.maxBodyBytes,
      uploads: { maxBodyBytes: MAX_UPLOAD_BYTES, maxSearchIdentifiers: MAX_UPLOAD_SEARCH_IDENTIFIERS, maxVerifyIdentifiers: MAX_UPLOAD_VERIFY_IDENTIFIERS, pageSize: UPLOAD_PAGE_SIZE },
      replay: { messageTsWindowSeconds: 300, messageIdRetentionHours: 24 },
      callbacks: 'async requests are answered by a signed POST to the partner’s receiver path under its registered callback base',
      searchQueryTypes: ['idtype-value', 'expression', 'predicate'],
    },
  };
}
