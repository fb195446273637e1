import { ackBody, callbackActionFor, errBody, newCallbackHeader, newHeader, validatorFor } from '../../adapters/dci/protocol';
import appendix from './appendix-a.json';

describe('envelope builders', () => {
  it('builds a request header with a fresh uuid and an ISO timestamp that the spec accepts', () => {
    const a = newHeader({ senderId: 'dci-gateway', receiverId: 'crvs.gov.example', action: 'search', totalCount: 1, senderUri: 'https://gw.example/dci/registry/on-search' });
    const b = newHeader({ senderId: 'dci-gateway', action: 'search', totalCount: 1 });
    expect(a.message_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.message_id).not.toBe(b.message_id);
    expect(Math.abs(Date.parse(a.message_ts) - Date.now())).toBeLessThan(5000);
    const body = { header: a, message: appendix.searchAsync.body.message };
    expect(validatorFor('crvs', '/registry/search', 'request')(body)).toEqual({ ok: true });
  });

  it('builds callback headers valid for on-search and for the request-style on-subscribe', () => {
    const header = newCallbackHeader({ senderId: 'dci-gateway', receiverId: 'spmis.gov.example', action: callbackActionFor('subscribe'), status: 'succ', totalCount: 1 });
    expect(header.action).toBe('on-subscribe');
    expect(validatorFor('crvs', '/registry/on-subscribe', 'request')({ header, message: appendix.onSubscribe.body.message })).toEqual({ ok: true });
    const rejected = newCallbackHeader({ senderId: 'dci-gateway', action: 'on-search', status: 'rjct', totalCount: 1, reasonCode: 'rjct.total_count.invalid' });
    expect(validatorFor('social', '/registry/sync/search', 'response')({ header: rejected })).toEqual({ ok: true });
  });

  it('builds ACK and ERR bodies that the spec accepts', () => {
    const validate = validatorFor('social', '/registry/search', 'response');
    expect(validate(ackBody('corr-1'))).toEqual({ ok: true });
    const err = errBody('err.signature.invalid', 'signature does not verify', 'corr-2');
    expect(err.message).toMatchObject({ ack_status: 'ERR', error: { code: 'err.signature.invalid' } });
    expect(validate(err)).toEqual({ ok: true });
  });
});
