/**
 * Paging through the audits over GraphQL: `after` (the id of the last record read) continues a page
 * without skipping or repeating records that share their time, as every person of one message does.
 */
import { Types } from 'mongoose';
import { disclosureRecorder } from '../../src/audit/disclosures';
import { ok, onlyError, unique, useTestGateway, WRITE } from '../support/gateway';

const DISCLOSURES = `query ($filter: DisclosureFilter!, $first: Int, $after: ID) { disclosures(filter: $filter, first: $first, after: $after) { id individualId at } }`;
const PERSON_DISCLOSURES = `query ($id: ID!, $first: Int, $after: ID) { individual(id: $id) { disclosures(first: $first, after: $after) { id messageId at } } }`;
const CHANGES = `query ($filter: ConfigChangeFilter, $first: Int, $after: ID) { configChanges(filter: $filter, first: $first, after: $after) { id name at } }`;
const CREATE_PERSON = `mutation ($input: CreateIndividualInput!) { createIndividual(input: $input) { id } }`;

const FIELDS = [{ field: 'given_name', level: 'given' as const }];

/** Every page of `first` records, each asked after the last record of the one before. */
async function allPages<T extends { id: string }>(page: (after: string | null) => Promise<T[]>, first: number): Promise<T[][]> {
  const pages: T[][] = [];
  let after: string | null = null;
  for (;;) {
    const records = await page(after);
    if (records.length === 0) return pages;
    pages.push(records);
    if (records.length < first) return pages;
    after = records[records.length - 1]!.id;
  }
}

describe('paging through the audits', () => {
  const t = useTestGateway();
  let auditor: string;

  beforeAll(async () => {
    auditor = await t.token(['audit:read', 'registry:read']);
  });

  it('pages the disclosures of one message, which share their time, without skipping or repeating one', async () => {
    const transactionId = unique('TXN');
    const people = Array.from({ length: 7 }, () => ({ individualId: `${new Types.ObjectId()}`, fields: FIELDS, purpose: {} }));
    const at = new Date();
    await disclosureRecorder(t.gateway.models).record({ partner: 'paging.example.org', messageId: unique('MSG'), transactionId, action: 'on-search', at }, people);

    const all = ok(await t.gql(DISCLOSURES, { filter: { transactionId }, first: 500 }, auditor)).disclosures;
    expect(all).toHaveLength(7);
    expect(new Set(all.map((r: { at: string }) => r.at))).toEqual(new Set([at.toISOString()]));

    const pages = await allPages(async (after) => ok(await t.gql(DISCLOSURES, { filter: { transactionId }, first: 3, after }, auditor)).disclosures, 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(all);
  });

  it("pages an individual's disclosures across messages of the same time", async () => {
    const id = ok(await t.gql(CREATE_PERSON, { input: { name: { given: 'Paging', family: unique('P') }, birthDate: '1990-01-01', sex: 'female' } }, await t.token(WRITE))).createIndividual.id;
    const at = new Date();
    const recorder = disclosureRecorder(t.gateway.models);
    for (let i = 0; i < 5; i++) {
      await recorder.record({ partner: 'paging.example.org', messageId: unique('MSG'), transactionId: unique('TXN'), action: 'on-search', at }, [{ individualId: id, fields: FIELDS, purpose: {} }]);
    }
    const page = async (after: string | null): Promise<{ id: string; messageId: string }[]> => ok(await t.gql(PERSON_DISCLOSURES, { id, first: 2, after }, auditor)).individual.disclosures;
    const pages = await allPages(page, 2);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(new Set(pages.flat().map((r) => r.messageId)).size).toBe(5);
  });

  it('pages configuration changes made in the same millisecond', async () => {
    const name = unique('paging-source-');
    const at = new Date();
    await t.gateway.models.ConfigChange.insertMany(
      Array.from({ length: 5 }, () => ({ target: 'data_source', name, action: 'updated', fields: ['timeoutMs'], by: 'tester', via: 'cli', outcome: 'applied', at })),
    );
    const all = ok(await t.gql(CHANGES, { filter: { name } }, auditor)).configChanges;
    expect(all).toHaveLength(5);
    const pages = await allPages(async (after) => ok(await t.gql(CHANGES, { filter: { name }, first: 2, after }, auditor)).configChanges, 2);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(all);
  });

  it('refuses an after that is not the id of a record', async () => {
    for (const after of ['not-an-id', `${new Types.ObjectId()}`]) {
      expect(onlyError(await t.gql(CHANGES, { after }, auditor)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }
    expect(onlyError(await t.gql(DISCLOSURES, { filter: {}, after: 'MSG-unknown:0123456789abcdef01234567' }, auditor)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});
