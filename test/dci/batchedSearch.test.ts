/**
 * Many people per envelope are answered together: identifier lookups share one registry read (the
 * database sees as many commands for 100 of them as for one), each item gets the answer it would get
 * alone, in its place, and items of other kinds are still answered beside them.
 */
import { validatorFor } from '../../adapters/dci/protocol';
import { demoHouseholdId, demoUin, seedRegistry } from '../../src/registry/seed';
import { registerPartner, searchItem, TestPartner } from '../support/dciPartner';
import { startTestGateway, TestGateway } from '../support/gateway';

const SEED = 8;
const validResponse = validatorFor('social', '/registry/sync/search', 'response');

const byUin = (uin: string, ref: string, extra: Record<string, unknown> = {}) =>
  searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: uin }, response_entity: 'Member', ...extra }, ref);

const uinsOf = (item: any): string[] =>
  (item.data?.reg_records ?? []).map((r: any) => r.member_identifier.find((i: any) => i.identifier_type === 'UIN').identifier_value);

/** An answer without its timestamp, to compare the same item answered in two envelopes. */
const timeless = ({ timestamp: _t, ...rest }: Record<string, unknown>) => rest;

describe('DCI search with many items in one envelope', () => {
  let t: TestGateway;
  let partner: TestPartner;

  beforeAll(async () => {
    t = await startTestGateway();
    await seedRegistry(t.gateway.models, { individuals: 150, seed: SEED });
    partner = await registerPartner(t.gateway, { senderId: 'batch.example.org', callbackBase: 'http://127.0.0.1:9/dci', pii: true });
    // Only this file's requests reach the database from here on.
    await t.pauseBackgroundWork();
  });
  afterAll(() => t.stop());

  const search = async (items: unknown[], transactionId: string) => {
    const res = await partner.send('/registry/sync/search', 'search', { transaction_id: transactionId, search_request: items });
    expect(res.status).toBe(200);
    expect(validResponse(res.body)).toEqual({ ok: true });
    return res.body.message.search_response as any[];
  };

  /** Database commands one request costs. */
  const commandsOf = async (work: () => Promise<unknown>) => {
    const before = t.gateway.store.commandCount();
    await work();
    return t.gateway.store.commandCount() - before;
  };

  it('answers 100 identifier items with the database commands of one', async () => {
    const single = await commandsOf(() => search([byUin(demoUin(SEED, 1), 'one')], 'txn-commands-1'));
    const hundred = await commandsOf(() =>
      search(Array.from({ length: 100 }, (_, i) => byUin(demoUin(SEED, i + 1), `r${i}`)), 'txn-commands-100'),
    );
    // Per item, even one command more would show as 99 more; the margin covers the request's own
    // bookkeeping (token, partner, rate and replay records), which does not grow with the items.
    expect(hundred).toBeLessThanOrEqual(single + 2);
  });

  it('gives every item, in its place, the answer it gets alone, whatever else the envelope holds', async () => {
    const items = [
      byUin(demoUin(SEED, 3), 'found'),
      searchItem({ query_type: 'predicate', query: [{ seq_num: 1, expression1: { attribute_name: 'age', operator: 'ge', attribute_value: '18' } }], response_entity: 'Member', pagination: { page_size: 5, page_number: 1 } }, 'adults'),
      byUin('0000000000', 'unknown'),
      searchItem({ query_type: 'idtype-value', query: { type: 'HOUSEHOLD_ID', value: demoHouseholdId(SEED, 2) }, response_entity: 'Group' }, 'household'),
      byUin(demoUin(SEED, 4), 'second-page', { pagination: { page_size: 10, page_number: 2 } }),
      searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(SEED, 3) }, response_entity: 'Group' }, 'person-as-group'),
      byUin(demoUin(SEED, 5), 'bad-page', { pagination: { page_size: 0, page_number: 1 } }),
      byUin(demoUin(SEED, 6), 'found'),
      byUin(demoUin(SEED, 7), 'last'),
    ];
    const together = await search(items, 'txn-mixed');
    expect(together.map((a) => a.reference_id)).toEqual(items.map((i) => i.reference_id));
    expect(together.map((a) => a.status)).toEqual(['succ', 'succ', 'succ', 'succ', 'succ', 'succ', 'rjct', 'rjct', 'succ']);
    expect(uinsOf(together[0])).toEqual([demoUin(SEED, 3)]);
    expect(together[2].pagination.total_count).toBe(0);
    expect(together[3].data.reg_records[0].group_identifier).toEqual(expect.arrayContaining([expect.objectContaining({ identifier_value: demoHouseholdId(SEED, 2) })]));
    expect(together[4]).toMatchObject({ pagination: { total_count: 1, page_number: 2 }, data: { reg_records: [] } });
    expect(together[5].pagination.total_count).toBe(0);
    expect(together[6].status_reason_code).toBe('rjct.pagination.invalid');
    expect(together[7].status_reason_code).toBe('rjct.reference_id.duplicate');
    expect(uinsOf(together[8])).toEqual([demoUin(SEED, 7)]);

    for (const [i, item] of items.entries()) {
      if (i === 7) continue; // a duplicate only in company
      const [alone] = await search([item], `txn-alone-${i}`);
      expect(timeless(together[i])).toEqual(timeless(alone));
    }
  });
});
