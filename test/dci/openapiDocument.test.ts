/**
 * `{DCI_BASE_PATH}/openapi.json`: our DCI surface described from the official files, fetched as an
 * integrator would (before holding credentials) and checked by an independent OpenAPI validator.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { MULTIPART_PATHS, SERVED_PATHS } from '../../adapters/dci/server/openapiDocument';
import { useTestGateway } from '../support/gateway';

describe('the OpenAPI document of the DCI surface', () => {
  const t = useTestGateway({ DCI_BASE_PATH: '/interop/dci' });

  async function fetchDocument() {
    const res = await fetch(`${t.url}/interop/dci/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    return (await res.json()) as Record<string, any>;
  }

  it('validates as OpenAPI 3, every reference resolving inside the one document', async () => {
    const document = await fetchDocument();
    expect(document.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(document) as any)).resolves.toBeDefined();
  });

  it('describes exactly the operations served, under the configured base, plus the token, JWKS and locations endpoints at the root', async () => {
    const document = await fetchDocument();
    expect(document.servers).toEqual([{ url: '/interop/dci', description: 'this gateway' }]);
    expect(Object.keys(document.paths).sort()).toEqual([...SERVED_PATHS, '/oauth2/client/token', '/.well-known/jwks.json', '/.well-known/locations.json'].sort());
    expect(document.paths['/oauth2/client/token'].servers).toEqual([{ url: '/' }]);
    expect(document.paths['/.well-known/jwks.json'].get).toBeDefined();
  });

  it('only declares JSON request bodies (multipart for our uploads), and documents our refusals as ERR acknowledgements', async () => {
    const document = await fetchDocument();
    for (const path of SERVED_PATHS) {
      const operation = document.paths[path].post;
      expect(Object.keys(operation.requestBody.content)).toEqual([MULTIPART_PATHS.includes(path) ? 'multipart/form-data' : 'application/json']);
      for (const status of ['413', '415', '429']) {
        expect(operation.responses[status].content['application/json'].schema.properties.message.properties.ack_status.enum).toContain('ERR');
      }
    }
  });

  it('describes the notification receipts, each marked as our extension of the standard', async () => {
    const document = await fetchDocument();
    for (const path of ['/registry/receipt', '/registry/sync/receipt']) expect(document.paths[path].post['x-dci-gateway-extension']).toEqual(expect.any(String));
    const dereferenced = (await SwaggerParser.dereference(structuredClone(document) as any)) as any;
    const body = dereferenced.paths['/registry/sync/receipt'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(body)).toContain('notification_id');
  });

  it('names our signing profiles and limits', async () => {
    const document = await fetchDocument();
    expect(document['x-dci-gateway'].signingProfiles).toEqual(expect.arrayContaining(['default', 'openspp', 'openg2p-jws', 'opencrvs-jws']));
    expect(document['x-dci-gateway'].signingProfiles).not.toContain('none');
    expect(document['x-dci-gateway'].maxBodyBytes).toBe(1024 * 1024);
  });

  it('describes an upload as the signed envelope beside its file, the envelope naming the file by SHA-256', async () => {
    const document = await fetchDocument();
    const dereferenced = (await SwaggerParser.dereference(structuredClone(document) as any)) as any;
    const form = dereferenced.paths['/registry/upload/search'].post.requestBody.content['multipart/form-data'];
    expect(form.schema.required).toEqual(['envelope', 'file']);
    expect(form.encoding.envelope.contentType).toBe('application/json');
    expect(JSON.stringify(form.schema.properties.envelope)).toContain('sha256');
    expect(document['x-dci-gateway'].uploads).toEqual({ maxBodyBytes: 16 * 1024 * 1024, maxSearchIdentifiers: 100_000, maxVerifyIdentifiers: 10_000, pageSize: 1000 });
  });

  it('serves the request schemas our validators use: a search request body as the spec defines it', async () => {
    const document = await fetchDocument();
    const dereferenced = (await SwaggerParser.dereference(structuredClone(document) as any)) as any;
    const body = dereferenced.paths['/registry/sync/search'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['header', 'message']);
    expect(JSON.stringify(body)).toContain('search_request');
  });
});
