/**
 * Indicators in a partner's DCI searches: the partner-visible ones on its allowlist are searched on
 * (predicate and expression) and returned in each Member record as additional_attributes; one that
 * partners may not see, or that is not on the allowlist, is refused with rjct.filter.invalid.
 */
import { validatorFor } from '../../adapters/dci/protocol';
import { seedRegistry } from '../../src/registry/seed';
import { waitFor } from '../crvs/world';
import { registerPartner, searchItem, TestPartner } from '../support/dciPartner';
import { ok, startTestGateway, TestGateway } from '../support/gateway';

const validResponse = validatorFor('social', '/registry/sync/search', 'response');
const predicate = (attribute_name: string, operator: string, attribute_value: string) => ({ attribute_name, operator, attribute_value });

describe('indicators in DCI searches', () => {
  let t: TestGateway;
  let partner: TestPartner;
  let expectedHeads: Map<string, number>;

  beforeAll(async () => {
    t = await startTestGateway();
    await seedRegistry(t.gateway.models, { individuals: 300, seed: 4 });
    partner = await registerPartner(t.gateway, {
      senderId: 'mis.indicators.example.org',
      callbackBase: 'http://127.0.0.1:9/dci',
      // Identifiers given, so the test can tell the records apart.
      pii: true,
      queryAttributes: ['UIN', 'household_size', 'is_head_of_household'],
    });
    // Stored values for everyone, as a nightly refresh keeps them.
    const token = await t.token(['registry:read', 'registry:write']);
    const run = ok(await t.gql(`mutation { refreshIndicators(names: ["household_size", "is_head_of_household"]) { id } }`, {}, token)).refreshIndicators;
    await waitFor(async () => ok(await t.gql(`query ($id: ID!) { indicatorRefresh(id: $id) { state } }`, { id: run.id }, token)).indicatorRefresh.state === 'done', 120_000);
    // The heads of households of 5 or more, and their household sizes, as the registry holds them.
    const households = await t.gateway.models.Group.find({ kind: 'household', size: { $gte: 5 } }, { size: 1, members: 1 }).lean();
    expectedHeads = new Map(households.flatMap((g) => g.members.filter((m) => m.role === 'head').map((m) => [`${m.individual}`, g.size])));
    expect(expectedHeads.size).toBeGreaterThan(0);
  }, 180_000);
  afterAll(() => t?.stop());

  const search = async (query_type: string, query: unknown) => {
    const res = await partner.send('/registry/sync/search', 'search', {
      transaction_id: `txn-${Math.random().toString(36).slice(2)}`,
      search_request: [searchItem({ query_type, query, response_entity: 'Member', pagination: { page_size: 100, page_number: 1 } } as never, 'ref')],
    });
    expect(res.status).toBe(200);
    expect(validResponse(res.body)).toEqual({ ok: true });
    return res.body.message.search_response[0];
  };

  const recordsById = async (item: any) => {
    const uins = item.data.reg_records.map((r: any) => r.member_identifier.find((i: any) => i.identifier_type === 'UIN').identifier_value);
    const claims = await t.gateway.models.IdentifierClaim.find({ _id: { $in: uins.map((u: string) => `UIN:${u}`) } }).lean();
    const idOf = new Map(claims.map((c) => [c._id.slice('UIN:'.length), `${c.registrant}`]));
    return new Map<string, any>(item.data.reg_records.map((r: any, i: number) => [idOf.get(uins[i])!, r]));
  };

  it('searches by indicators in a predicate and returns them as additional_attributes', async () => {
    const item = await search('predicate', [
      { seq_num: 1, expression1: predicate('household_size', 'ge', '5'), condition: 'and', expression2: predicate('is_head_of_household', 'eq', 'true') },
    ]);
    expect(item).toMatchObject({ status: 'succ', pagination: { total_count: expectedHeads.size } });
    const records = await recordsById(item);
    expect([...records.keys()].sort()).toEqual([...expectedHeads.keys()].sort());
    for (const [id, record] of records) {
      expect(record.additional_attributes).toEqual([{ household_size: expectedHeads.get(id) }, { is_head_of_household: true }]);
    }
  });

  it('searches by indicators in an expression', async () => {
    const item = await search('expression', { type: 'ns:org:QueryType:expression', value: { expression: { query: { household_size: { $gte: 5 }, is_head_of_household: true } } } });
    expect(item).toMatchObject({ status: 'succ', pagination: { total_count: expectedHeads.size } });
  });

  it('refuses an indicator partners may not see, and one not on the allowlist', async () => {
    const hidden = await search('predicate', [{ seq_num: 1, expression1: predicate('crvs.is_alive', 'eq', 'true') }]);
    expect(hidden).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.filter.invalid' });
    expect(hidden.status_reason_message).toContain('indicator "crvs.is_alive" is not available to partners');
    const personal = await search('expression', { type: 'ns:org:QueryType:expression', value: { expression: { query: { 'dr.has_disability': true } } } });
    expect(personal).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.filter.invalid' });
    const unlisted = await search('predicate', [{ seq_num: 1, expression1: predicate('children_under_5', 'ge', '1') }]);
    expect(unlisted).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.filter.invalid', status_reason_message: expect.stringContaining('not allowed for this partner') });
    const badValue = await search('predicate', [{ seq_num: 1, expression1: predicate('is_head_of_household', 'eq', 'maybe') }]);
    expect(badValue).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.filter.invalid' });
  });

  it('gives an identifier lookup only the indicators on the allowlist, and none to a partner without any', async () => {
    const [head] = [...expectedHeads.keys()];
    const uin = (await t.gateway.models.IdentifierClaim.findOne({ registrant: head, _id: /^UIN:/ }).lean())!._id.slice('UIN:'.length);
    const listed = await search('idtype-value', { type: 'UIN', value: uin });
    expect(listed.status).toBe('succ');
    expect(listed.data.reg_records[0].additional_attributes).toEqual([{ household_size: expectedHeads.get(head) }, { is_head_of_household: true }]);

    const plain = await registerPartner(t.gateway, { senderId: 'plain.indicators.example.org', callbackBase: 'http://127.0.0.1:9/dci', pii: true, queryAttributes: ['UIN'] });
    const res = await plain.send('/registry/sync/search', 'search', {
      transaction_id: 'txn-plain',
      search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: uin }, response_entity: 'Member' } as never, 'ref')],
    });
    const item = res.body.message.search_response[0];
    expect(item.status).toBe('succ');
    expect(item.data.reg_records[0].additional_attributes ?? []).toEqual([]);
  });

  it('keeps age_years from a partner that may not see birth dates, in its searches and its records', async () => {
    const blind = await registerPartner(t.gateway, {
      senderId: 'blind.indicators.example.org',
      callbackBase: 'http://127.0.0.1:9/dci',
      pii: true,
      disclosure: { birthDate: 'omitted' },
      queryAttributes: ['UIN', 'age_years', 'household_size'],
    });
    const send = (query: unknown) =>
      blind.send('/registry/sync/search', 'search', {
        transaction_id: `txn-${Math.random().toString(36).slice(2)}`,
        search_request: [searchItem({ query_type: 'predicate', query, response_entity: 'Member' } as never, 'ref')],
      });
    const byAge = (await send([{ seq_num: 1, expression1: predicate('age_years', 'ge', '18') }])).body.message.search_response[0];
    expect(byAge).toMatchObject({ status: 'rjct', status_reason_code: 'rjct.filter.invalid' });
    const bySize = (await send([{ seq_num: 1, expression1: predicate('household_size', 'ge', '5') }])).body.message.search_response[0];
    expect(bySize.status).toBe('succ');
    for (const record of bySize.data.reg_records) expect(Object.keys(Object.assign({}, ...record.additional_attributes))).toEqual(['household_size']);
  });
});
