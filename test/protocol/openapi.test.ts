import { DCI_APIS, DciApi, operationPaths, validatorFor } from '../../adapters/dci/protocol';
import appendix from './appendix-a.json';

type Example = keyof typeof appendix;
const example = (name: Example) => structuredClone(appendix[name].body) as Record<string, any>;

describe('OpenAPI validators', () => {
  // SPEC-NOTES appendix A: each worked body against the path (and file) it was written for.
  const accepted: [Example, DciApi, string, 'request' | 'response'][] = [
    ['searchAsync', 'crvs', '/registry/search', 'request'],
    ['ack', 'crvs', '/registry/search', 'response'],
    ['ackErr', 'social', '/registry/on-search', 'response'],
    ['onSearch', 'crvs', '/registry/on-search', 'request'],
    ['onSearch', 'crvs', '/registry/sync/search', 'response'],
    ['onSearchItemRejected', 'crvs', '/registry/on-search', 'request'],
    ['searchBatchPredicate', 'crvs', '/registry/search', 'request'],
    ['searchBatchPredicate', 'fr', '/registry/search', 'request'],
    ['srExpressionSearch', 'social', '/registry/search', 'request'],
    ['srExpressionSearch', 'social', '/registry/sync/search', 'request'],
    ['subscribe', 'crvs', '/registry/subscribe', 'request'],
    ['subscribe', 'social', '/registry/subscribe', 'request'],
    ['onSubscribe', 'crvs', '/registry/on-subscribe', 'request'],
    ['notify', 'crvs', '/registry/notify', 'request'],
    ['unsubscribe', 'crvs', '/registry/unsubscribe', 'request'],
    ['onUnsubscribe', 'crvs', '/registry/on-unsubscribe', 'request'],
    ['txnStatusAsync', 'crvs', '/registry/txn/status', 'request'],
    ['txnStatusSync', 'crvs', '/registry/sync/txn/status', 'request'],
    ['ibrEnrolled', 'ibr', '/registry/sync/enrolled', 'request'],
    ['drDisabled', 'dr', '/registry/sync/disabled', 'request'],
    ['drDisabledReply', 'dr', '/registry/sync/disabled', 'response'],
    ['encryptedSearch', 'crvs', '/registry/search', 'request'],
    ['jwks', 'jwks', '/.well-known/jwks.json', 'response'],
    ['token', 'authz', '/oauth2/client/token', 'response'],
    // Accepted only thanks to the patched defects:
    ['txnStatusSyncReply', 'crvs', '/registry/sync/txn/status', 'response'], // TxnStatusResponse reg_records
    ['ibrEnrolledReply', 'ibr', '/registry/sync/enrolled', 'response'], // bare-schema IBR response
    ['onSubscribe', 'fr', '/registry/on-subscribe', 'request'], // fr `post: null`
  ];

  it.each(accepted)('accepts %s against %s %s %s', (name, api, path, kind) => {
    expect(validatorFor(api, path, kind)(example(name))).toEqual({ ok: true });
  });

  it('accepts integer attribute values (AttributeValue oneOf patched to anyOf)', () => {
    const body = example('searchBatchPredicate');
    body.message.search_request[0].search_criteria.query[0].expression1.attribute_value = 25;
    expect(validatorFor('crvs', '/registry/search', 'request')(body)).toEqual({ ok: true });
  });

  const broken: [string, Example, DciApi, string, 'request' | 'response', (body: Record<string, any>) => void, RegExp][] = [
    ['a header without message_id', 'searchAsync', 'crvs', '/registry/search', 'request', (b) => delete b.header.message_id, /message_id/],
    ['the wrong action for the path', 'searchAsync', 'crvs', '/registry/search', 'request', (b) => (b.header.action = 'subscribe'), /action .*allowed values: search/],
    ['a message_ts without offset', 'searchAsync', 'social', '/registry/sync/search', 'request', (b) => (b.header.message_ts = '2025-03-02T09:15:30'), /message_ts must match format "date-time"/],
    ['a two-letter locale', 'searchAsync', 'crvs', '/registry/search', 'request', (b) => (b.message.search_request[0].locale = 'en'), /locale must match pattern/],
    ['a search item without reference_id', 'srExpressionSearch', 'social', '/registry/search', 'request', (b) => delete b.message.search_request[0].reference_id, /./],
    ['a string total_count', 'subscribe', 'crvs', '/registry/subscribe', 'request', (b) => (b.header.total_count = '1'), /total_count must be integer/],
    ['an unknown item status', 'onSearch', 'crvs', '/registry/on-search', 'request', (b) => (b.message.search_response[0].status = 'done'), /./],
    ['an unknown ACK error code', 'ackErr', 'crvs', '/registry/search', 'response', (b) => (b.message.error.code = 'err.oops'), /code .*allowed values/],
    ['an ACK without correlation_id', 'ack', 'social', '/registry/search', 'response', (b) => delete b.message.correlation_id, /correlation_id/],
    ['a JWK without kid', 'jwks', 'jwks', '/.well-known/jwks.json', 'response', (b) => delete b.keys[0].kid, /kid/],
  ];

  it.each(broken)('rejects %s', (_what, name, api, path, kind, breakIt, message) => {
    const body = example(name);
    breakIt(body);
    const result = validatorFor(api, path, kind)(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join('\n')).toMatch(message);
  });

  it('compiles every JSON operation of every API file and caches the validators', () => {
    for (const api of Object.keys(DCI_APIS) as DciApi[]) {
      for (const path of operationPaths(api)) {
        const kinds = api === 'jwks' || api === 'authz' || api === 'locations' ? (['response'] as const) : (['request', 'response'] as const);
        for (const kind of kinds) expect(typeof validatorFor(api, path, kind)).toBe('function');
      }
    }
    expect(validatorFor('social', '/registry/sync/search', 'request')).toBe(validatorFor('social', '/registry/sync/search', 'request'));
  });

  it('refuses paths the spec does not declare', () => {
    expect(() => validatorFor('dr', '/registry/txn/status', 'request')).toThrow(/nothing|no object/);
  });
});
