/** Envelopes, batching, signatures and async search through our callback receiver, against the sandbox. */
import { byBrn, startWorld, World } from './world';
import { GatewayError } from '../../src/errors';
import type { DataSourceConfig } from '../../adapters/dci/client/dataSource';

describe('DCI client search (sandbox)', () => {
  let w: World;
  const brns = () => w.sandbox.data.births.slice(0, 5).map((b) => b.brn);
  beforeAll(async () => {
    w = await startWorld();
    await w.client().search([byBrn(brns()[0])]); // the sandbox learns our key (see transport.test.ts)
  });
  afterAll(async () => {
    await w?.stop();
  });

  const calls = (path: string) => w.sandbox.calls('crvs').filter((c) => c.path === `/crvs${path}`).length;
  const failure = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a failure'); }, (error: unknown) => error as GatewayError);
  const sourceOf = (registry: 'ibr' | 'dr', kind: DataSourceConfig['kind']): Partial<DataSourceConfig> => ({
    name: `${registry}-sandbox`,
    kind,
    baseUrl: w.sandbox.registries[registry].baseUrl,
    receiverId: w.sandbox.registries[registry].senderId,
    jwksUrl: w.sandbox.registries[registry].jwksUrl,
  });

  it('sends several items per envelope, at most maxItemsPerEnvelope each, and returns one answer per item', async () => {
    const client = w.client({ maxItemsPerEnvelope: 2 });
    const before = calls('/registry/sync/search');
    const items = brns().map((brn, i) => byBrn(brn, `REF-${i}`));
    const answers = await client.search(items);
    expect(calls('/registry/sync/search') - before).toBe(3);
    expect(answers.map((a) => a.reference_id).sort()).toEqual(['REF-0', 'REF-1', 'REF-2', 'REF-3', 'REF-4']);
    for (const answer of answers) {
      const brn = brns()[Number(answer.reference_id.slice(4))];
      expect(answer.status).toBe('succ');
      expect(JSON.stringify((answer.data!.reg_records as unknown[])[0])).toContain(brn);
    }
  });

  it('applies the data source quirks (consent, locale) to every item', async () => {
    const client = w.client({ quirks: { locale: 'eng', consent: { purposeText: 'Child grant eligibility', purposeCode: 'CG-ELIG' } } });
    const [answer] = await client.search([byBrn(brns()[0])]);
    expect(answer).toMatchObject({ status: 'succ', locale: 'eng' });
  });

  it('never sends a request that fails the partner schema: BAD_USER_INPUT', async () => {
    const client = w.client();
    const before = w.sandbox.calls('crvs').length;
    const bad = { search_criteria: { ...byBrn('X').search_criteria, pagination: { page_number: 1 } as never } };
    expect(await failure(client.search([bad]))).toMatchObject({ code: 'BAD_USER_INPUT', details: { reason: 'INVALID_REQUEST' } });
    expect(await failure(client.syncCall('/registry/sync/enrolled', {}))).toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'path' } });
    expect(w.sandbox.calls('crvs').length).toBe(before);
  });

  it('refuses a reply whose signature does not verify with the registry keys', async () => {
    const client = w.client();
    w.sandbox.faults.badSignatureNext('crvs', 1);
    const error = await failure(client.search([byBrn(brns()[0])]));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'BAD_SIGNATURE' } });
    // Pinned keys of someone else: the registry's genuine signature is refused too.
    const other = w.client({ jwksUrl: undefined, publicKeys: [{ kid: 'other', jwk: { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'other' } }] });
    expect(await failure(other.search([byBrn(brns()[0])]))).toMatchObject({ details: { reason: 'BAD_SIGNATURE' } });
  });

  it('calls the IBR and DR sync operations', async () => {
    const uin = w.sandbox.data.enrolments[0].uin;
    const ibr = w.client(sourceOf('ibr', 'ibr'));
    const enrolled = await ibr.syncCall<{ enrolled_response: { enrolled_status: string }[] }>('/registry/sync/enrolled', {
      enrolled_criteria: { query_type: 'expression', response_entity: 'Member', query: { person_identifier: { eq: uin } } },
    });
    expect(enrolled.message.enrolled_response[0].enrolled_status).toBe('yes');
    const disabledUin = w.sandbox.data.disabilities[0].uin;
    const dr = w.client(sourceOf('dr', 'dr'));
    const disabled = await dr.syncCall<{ disabled_response: { disabled_status: string }[] }>('/registry/sync/disabled', {
      disabled_criteria: { query_type: 'expression', query: { 'personal_details.member_identifier': { eq: disabledUin } } },
    });
    expect(disabled.message.disabled_response[0].disabled_status).toBe('yes');
  });

  it('completes an async search through the callback the registry posts to our receiver', async () => {
    const client = w.client({ maxItemsPerEnvelope: 2 });
    const items = brns().slice(0, 3).map((brn, i) => byBrn(brn, `ASYNC-${i}`));
    const answers = await client.searchAsync(items, { timeoutMs: 10_000 });
    expect(answers.map((a) => [a.reference_id, a.status])).toEqual([
      ['ASYNC-0', 'succ'],
      ['ASYNC-1', 'succ'],
      ['ASYNC-2', 'succ'],
    ]);
    const deliveries = w.sandbox.deliveries('crvs').filter((d) => d.action === 'on-search');
    // Our hub resolves while the receiver is still answering the callback: wait for the answers.
    for (let i = 0; i < 50 && deliveries.slice(-2).some((d) => d.status === undefined); i++) await new Promise((r) => setTimeout(r, 20));
    expect(deliveries.slice(-2).map((d) => [d.url, d.status])).toEqual([
      [`${w.t.url}/dci/registry/on-search`, 200],
      [`${w.t.url}/dci/registry/on-search`, 200],
    ]);
  });

  it('an async search whose callback never passes our checks times out with UNAVAILABLE', async () => {
    const client = w.client();
    w.sandbox.faults.badSignatureNext('crvs', 1); // the callback is signed badly: our receiver refuses it
    expect(await failure(client.searchAsync([byBrn(brns()[0])], { timeoutMs: 1500 }))).toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'CALLBACK_TIMEOUT' } });
  });
});
