import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { DCI_CODES, dciErrorFor, httpStatusFor, OPENAPI_DIR, officialDocument } from '../../adapters/dci/protocol';
import { ERROR_CODES, ErrorCode } from '../../src/errors';

const schemas = (file: string) => YAML.parse(fs.readFileSync(path.join(OPENAPI_DIR, file), 'utf8')).components.schemas;

describe('DCI code catalogue', () => {
  it.each(['social_api_v1.0.0.yaml', 'ibr_api_v1.0.0.yaml', 'dr_api_v1.0.0.yaml'])('matches the enums of %s', (file) => {
    const s = schemas(file);
    expect(DCI_CODES.reason.header).toEqual(s.MsgHeaderStatusReasonCode.enum);
    expect(DCI_CODES.reason.search).toEqual(s.SearchStatusReasonCode.enum);
    expect(DCI_CODES.reason.subscribe).toEqual(s.SubscribeStatusReasonCode.enum);
    expect(DCI_CODES.reason.unsubscribe).toEqual(s.UnSubscribeStatusReasonCode.enum);
    expect(DCI_CODES.ackError).toEqual(s.Error.properties.code.enum);
  });

  it('matches the receipt codes of our receipts extension', () => {
    expect(DCI_CODES.reason.receipt).toEqual((officialDocument('social') as any).components.schemas.ReceiptStatusReasonCode.enum);
  });

  it('matches RequestStatus and the ACK status enum', () => {
    expect(DCI_CODES.requestStatus).toEqual(schemas('core/registry_core_api_v1.0.0.yaml').RequestStatus.enum);
    const ack = YAML.parse(fs.readFileSync(path.join(OPENAPI_DIR, 'social_api_v1.0.0.yaml'), 'utf8')).components.responses.Response;
    expect(DCI_CODES.ackStatus).toEqual(ack.content['application/json'].schema.properties.message.properties.ack_status.enum);
  });

  it('maps every gateway error code to a spec ACK error code and its HTTP status', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const mapped = dciErrorFor(code);
      expect(DCI_CODES.ackError).toContain(mapped.code);
      expect(mapped.http).toBe(ERROR_CODES[code].http);
    }
    expect(dciErrorFor('UNAUTHENTICATED')).toEqual({ code: 'err.request.unauthorized', http: 401 });
    expect(dciErrorFor('RATE_LIMITED')).toEqual({ code: 'err.request.too_many_requests', http: 429 });
    expect(httpStatusFor('err.signature.invalid')).toBe(401);
  });
});
