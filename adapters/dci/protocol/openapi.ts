/**
 * Body validators compiled from the official DCI OpenAPI files in ./openapi, never from hand-copied
 * schemas. Each file is parsed once, patched for its known upstream defects (see KNOWN_DEFECTS),
 * extended with the operations the standard lacks (see EXTENSIONS) and handed whole to Ajv, so
 * `$ref`s resolve inside and across files; one validator per (api, path, kind) is compiled on first
 * use and cached for the hot path.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

export const DCI_APIS = {
  social: 'social_api_v1.0.0.yaml',
  crvs: 'crvs_api_v1.0.0.yaml',
  ibr: 'ibr_api_v1.0.0.yaml',
  dr: 'dr_api_v1.0.0.yaml',
  fr: 'fr_api_v1.0.0.yaml',
  jwks: 'core/jwks_core_api_v1.0.0.yaml',
  locations: 'core/locations_core_api_v1.0.0.yaml',
  authz: 'core/authz_core_api_v1.0.0.yaml',
} as const;

export type DciApi = keyof typeof DCI_APIS;
/** `request`: the operation's JSON request body; `response`: its success body (ACK, sync envelope, JWKS…). */
export type BodyKind = 'request' | 'response';
export type ValidationResult = { ok: true } | { ok: false; errors: string[] };
export type BodyValidator = (body: unknown) => ValidationResult;

type Json = Record<string, unknown>;

/** Walks up from this file to the project root, so it works from ts-jest and from dist/. */
function findOpenapiDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'adapters', 'dci', 'protocol', 'openapi');
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
}

export const OPENAPI_DIR = findOpenapiDir();

/** Base under which every file is registered with Ajv; relative `$ref`s between files resolve against it. */
const BASE_URI = 'https://dci-gateway.invalid/openapi/';
const MAX_ERRORS = 20;

const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: false, logger: false });
addFormats(ajv);

const docs = new Map<string, Json>();
const validators = new Map<string, BodyValidator>();

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const escapePointer = (part: string) => part.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapePointer = (part: string) => part.replace(/~1/g, '/').replace(/~0/g, '~');

/**
 * The upstream defects that break validation of valid messages, each patched at its exact location.
 * Every patch throws if its target has moved, so an updated spec file is noticed instead of silently
 * validated with a stale patch. Nothing here relaxes validation beyond the defect it names.
 */
const KNOWN_DEFECTS: { files: string[]; defect: string; patch: (doc: Json) => void }[] = [
  {
    // SPEC-NOTES 3.5: AttributeValue is `oneOf [string, integer, number, boolean, object]`; an integer
    // matches both `integer` and `number`, so strict oneOf rejects every integer attribute value.
    files: ['social_api_v1.0.0.yaml', 'crvs_api_v1.0.0.yaml', 'ibr_api_v1.0.0.yaml', 'dr_api_v1.0.0.yaml', 'fr_api_v1.0.0.yaml'],
    defect: 'AttributeValue oneOf rejects integers',
    patch(doc) {
      const nodes = findNodes(doc, (node) => {
        const types = Array.isArray(node.oneOf) ? node.oneOf.map((s) => (isObject(s) ? s.type : undefined)) : [];
        return types.includes('integer') && types.includes('number');
      });
      if (nodes.length === 0) throw new Error('AttributeValue oneOf not found');
      for (const node of nodes) {
        node.anyOf = node.oneOf;
        delete node.oneOf;
      }
    },
  },
  {
    // SPEC-NOTES 7.3: the Dec 2025 FR file mis-indents /registry/on-subscribe, leaving `post: null` with
    // the operation's members one level too high.
    files: ['fr_api_v1.0.0.yaml'],
    defect: 'fr /registry/on-subscribe has post: null',
    patch(doc) {
      const item = at(doc, ['paths', '/registry/on-subscribe']);
      if (item.post !== null) throw new Error('fr /registry/on-subscribe is no longer mis-indented');
      const operation = { ...item };
      delete operation.post;
      (doc.paths as Json)['/registry/on-subscribe'] = { post: operation };
    },
  },
  {
    // SPEC-NOTES 7.3 and A.12: TxnStatusResponse embeds a search response through an `example` node
    // typing `reg_records` as an object, contradicting SearchResponse (array). Use SearchResponse itself.
    files: ['crvs_api_v1.0.0.yaml', 'fr_api_v1.0.0.yaml'],
    defect: 'TxnStatusResponse search branch types reg_records as an object',
    patch(doc) {
      const branches = at(doc, ['components', 'schemas', 'TxnStatusResponse', 'properties', 'txnstatus_response', 'properties', 'txn_status']).oneOf;
      const stale = '#/components/schemas/TxnStatusResponse/properties/txnstatus_response/example';
      const branch = Array.isArray(branches) ? branches.find((b) => isObject(b) && b.$ref === stale) : undefined;
      if (!isObject(branch)) throw new Error('TxnStatusResponse search branch not found');
      branch.$ref = '#/components/schemas/SearchResponse';
    },
  },
  {
    // SPEC-NOTES 2.1 and A.13: the IBR sync endpoints declare their `default` response as a bare schema
    // reference instead of a response object, so the reply has no content type and no envelope. Declare
    // the envelope the sibling DR sync endpoints use (callback header + message).
    files: ['ibr_api_v1.0.0.yaml'],
    defect: 'ibr sync responses declared as a bare schema',
    patch(doc) {
      const replies: [string, string, string | undefined][] = [
        ['/registry/sync/enrolled', 'EnrolledResponse', 'on-search'],
        ['/registry/sync/enrollment/updates', 'EnrollmentUpdatesResponse', undefined],
      ];
      for (const [opPath, schema, action] of replies) {
        const responses = at(doc, ['paths', opPath, 'post', 'responses']);
        if (!isObject(responses.default) || responses.default.$ref !== `#/components/schemas/${schema}`) {
          throw new Error(`ibr ${opPath} default response is no longer a bare schema`);
        }
        const header = action
          ? { allOf: [{ $ref: '#/components/schemas/MsgCallbackHeader_V1.0.0' }, { properties: { action: { enum: [action] } } }] }
          : { $ref: '#/components/schemas/MsgCallbackHeader_V1.0.0' };
        responses.default = {
          description: `${schema} envelope`,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  signature: { $ref: '#/components/schemas/MsgSignature' },
                  header,
                  message: { type: 'object', oneOf: [{ $ref: `#/components/schemas/${schema}` }, { $ref: '#/components/schemas/EncryptedMessage' }] },
                },
                required: ['header'],
              },
            },
          },
        };
      }
    },
  },
];

/**
 * Operations the standard lacks and we serve (notification receipts), written as OpenAPI in
 * ../extensions and merged into the official file they extend, whose components their `$ref`s name.
 * A merge never replaces an official path or schema: a spec release that adds its own is noticed.
 */
const EXTENSIONS: { file: string; extension: string }[] = [
  { file: 'social_api_v1.0.0.yaml', extension: 'receipts.yaml' },
  { file: 'social_api_v1.0.0.yaml', extension: 'uploads.yaml' },
];

function extend(doc: Json, extension: string): void {
  const ext = YAML.parse(fs.readFileSync(path.join(OPENAPI_DIR, '..', 'extensions', extension), 'utf8')) as Json;
  const merge = (into: Json, from: Json, where: string) => {
    for (const [name, value] of Object.entries(from)) {
      if (name in into) throw new Error(`${extension}: ${where} ${name} is already in the official file`);
      into[name] = value;
    }
  };
  merge(at(doc, ['paths']), at(ext, ['paths']), 'path');
  merge(at(doc, ['components', 'schemas']), at(ext, ['components', 'schemas']), 'schema');
}

function at(doc: Json, parts: string[]): Json {
  let node: unknown = doc;
  for (const part of parts) node = isObject(node) ? node[part] : undefined;
  if (!isObject(node)) throw new Error(`no object at ${parts.join(' > ')}`);
  return node;
}

function findNodes(node: unknown, match: (node: Json) => boolean, found: Json[] = []): Json[] {
  if (Array.isArray(node)) node.forEach((child) => findNodes(child, match, found));
  else if (isObject(node)) {
    if (match(node)) found.push(node);
    Object.values(node).forEach((child) => findNodes(child, match, found));
  }
  return found;
}

/** Loads, patches and registers one file, then every file it references. */
function loadDoc(file: string): Json {
  const loaded = docs.get(file);
  if (loaded) return loaded;
  const doc = YAML.parse(fs.readFileSync(path.join(OPENAPI_DIR, file), 'utf8')) as Json;
  for (const { files, patch } of KNOWN_DEFECTS) if (files.includes(file)) patch(doc);
  for (const { file: extended, extension } of EXTENSIONS) if (extended === file) extend(doc, extension);
  docs.set(file, doc);
  ajv.addSchema(doc, BASE_URI + file);
  for (const ref of findNodes(doc, (node) => typeof node.$ref === 'string').map((node) => node.$ref as string)) {
    const target = ref.split('#')[0];
    if (target) loadDoc(path.posix.join(path.posix.dirname(file), target));
  }
  return doc;
}

/**
 * Follows a JSON pointer from a file, resolving any `$ref` met on the way (OpenAPI responses are often
 * references to components), and returns the absolute URI of the node reached.
 */
function locate(file: string, parts: string[]): string {
  let currentFile = file;
  let pointer: string[] = [];
  let node: unknown = loadDoc(file);
  for (const part of parts) {
    while (isObject(node) && typeof node.$ref === 'string') {
      const [target, fragment = ''] = node.$ref.split('#');
      if (target) currentFile = path.posix.join(path.posix.dirname(currentFile), target);
      pointer = fragment.split('/').filter(Boolean).map(unescapePointer);
      node = pointer.reduce<unknown>((n, p) => (isObject(n) ? n[p] : undefined), loadDoc(currentFile));
    }
    node = isObject(node) ? node[part] : undefined;
    if (node === undefined || node === null) throw new Error(`${file}: nothing at ${parts.join(' > ')}`);
    pointer.push(part);
  }
  return `${BASE_URI}${currentFile}#/${pointer.map(escapePointer).join('/')}`;
}

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  const messages = (errors ?? []).map((e) => {
    const allowed = e.params && 'allowedValues' in e.params ? `: ${(e.params.allowedValues as unknown[]).join(', ')}` : '';
    return `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${allowed}`;
  });
  return [...new Set(messages)].slice(0, MAX_ERRORS);
}

/** The operation of a path: POST for the registry APIs, GET for the JWKS document. */
function operationOf(api: DciApi, opPath: string): string {
  const item = at(loadDoc(DCI_APIS[api]), ['paths', opPath]);
  const method = ['post', 'get'].find((m) => isObject(item[m]));
  if (!method) throw new Error(`${api} ${opPath}: no operation`);
  return method;
}

/** A copy of one official file as we read it (known defects patched, our extensions merged), for documents built from it. */
export function officialDocument(api: DciApi): Json {
  return structuredClone(loadDoc(DCI_APIS[api]));
}

/** Paths that declare an operation in an API file (after patches). */
export function operationPaths(api: DciApi): string[] {
  return Object.keys(at(loadDoc(DCI_APIS[api]), ['paths']));
}

export function validatorFor(api: DciApi, opPath: string, kind: BodyKind): BodyValidator {
  const key = `${api} ${opPath} ${kind}`;
  const cached = validators.get(key);
  if (cached) return cached;
  const method = operationOf(api, opPath);
  const file = DCI_APIS[api];
  let uri: string;
  if (kind === 'request') {
    // Uploads send the signed envelope as the multipart part `envelope`, beside the file it names.
    const content = at(loadDoc(file), ['paths', opPath, method, 'requestBody', 'content']);
    const body = 'application/json' in content ? ['application/json', 'schema'] : ['multipart/form-data', 'schema', 'properties', 'envelope'];
    uri = locate(file, ['paths', opPath, method, 'requestBody', 'content', ...body]);
  } else {
    const responses = at(loadDoc(file), ['paths', opPath, method, 'responses']);
    const status = 'default' in responses ? 'default' : '200';
    uri = locate(file, ['paths', opPath, method, 'responses', status, 'content', 'application/json', 'schema']);
  }
  const validate: ValidateFunction = ajv.compile({ $ref: uri });
  const validator: BodyValidator = (body) => (validate(body) ? { ok: true } : { ok: false, errors: formatErrors(validate.errors) });
  validators.set(key, validator);
  return validator;
}
