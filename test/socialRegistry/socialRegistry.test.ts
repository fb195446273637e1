/**
 * The social-registry client role end to end over HTTP: GraphQL on a real gateway, the sandbox's
 * social registry as a data source of kind social (OAuth2 token, its own Ed25519 key and JWKS), and
 * the sandbox as a partner of ours calling back with a token from our token endpoint and signatures
 * our receiver checks. Search (sync and async), subscribe, notify, unsubscribe and import.
 */
import type { Sandbox, SocialHousehold } from '../../adapters/dci/sandbox';
import { codes, ok, READ, READ_PII, TestGateway, WRITE } from '../support/gateway';
import { pruneTransactions, RETENTION_DAYS } from '../../src/socialRegistry/transactions';
import { eventually, SOURCE, startSrWorld } from './world';

const TRANSACTION_FIELDS = `id dataSource kind mode status error ack { status correlationId } results { referenceId status reasonCode recordType eventType records totalCount pageNumber pageSize }`;
const SEARCH = `mutation ($dataSource: String!, $criteria: SocialRegistryCriteria!, $mode: SocialRegistrySearchMode) {
  searchSocialRegistry(dataSource: $dataSource, criteria: $criteria, mode: $mode) { ${TRANSACTION_FIELDS} } }`;
const TRANSACTION = `query ($id: ID!) { socialRegistryTransaction(id: $id) { ${TRANSACTION_FIELDS} } }`;
const TRANSACTIONS = `query ($dataSource: String) { socialRegistryTransactions(dataSource: $dataSource) { ${TRANSACTION_FIELDS} } }`;
const SUBSCRIBE = `mutation ($dataSource: String!, $eventType: SocialRegistryEventType!, $filter: [SocialRegistryCondition!]) {
  subscribeSocialRegistry(dataSource: $dataSource, eventType: $eventType, filter: $filter) { code dataSource eventType filter status subscribedAt endedAt } }`;
const UNSUBSCRIBE = `mutation ($dataSource: String!, $codes: [String!]!) {
  unsubscribeSocialRegistry(dataSource: $dataSource, subscriptionCodes: $codes) { code status endedAt } }`;
const IMPORT = `mutation ($id: ID!, $refs: [String!]) {
  importFromSocialRegistry(transactionId: $id, referenceIds: $refs) {
    transaction { id }
    counts { created updated unchanged review }
    individuals { id name { given family } identifiers { type value } }
    groups { id kind size identifiers { type value } members { role individual { id identifiers { value } } } }
  } }`;
const REVIEW_ITEMS = `{ crvsReviewItems(status: open, first: 50) { edges { node { kind reason detail dataSource individuals { id } } } } }`;
const CREATE_INDIVIDUAL = `mutation ($input: CreateIndividualInput!) { createIndividual(input: $input) { id } }`;

const byUin = (uin: string, recordType = 'Group') => ({ recordType, identifier: { type: 'UIN', value: uin } });
const records = (result: { records: string[] }) => result.records.map((r) => JSON.parse(r) as Record<string, any>);

describe('social registry client role', () => {
  let t: TestGateway;
  let sandbox: Sandbox;
  let stop: () => Promise<void>;
  let writer: string;
  let reader: string;
  const gql = (query: string, variables: Record<string, unknown>, token = writer) => t.gql(query, variables, token);

  beforeAll(async () => {
    ({ t, sandbox, stop } = await startSrWorld());
    writer = await t.token(WRITE);
    reader = await t.token(READ_PII);
  });
  afterAll(async () => {
    await stop?.();
  });

  const household = (n: number): SocialHousehold => sandbox.households[n];

  it('searches sync by identifier: the household of that person, signed both ways, stored as a transaction', async () => {
    const h = household(0);
    const member = h.members[h.members.length - 1];
    const before = sandbox.calls('social').length;
    const tx = ok(await gql(SEARCH, { dataSource: SOURCE, criteria: byUin(member.uin) }, reader)).searchSocialRegistry;
    expect(tx).toMatchObject({ dataSource: SOURCE, kind: 'search', mode: 'SYNC', status: 'answered', ack: null });
    expect(tx.results).toHaveLength(1);
    expect(tx.results[0]).toMatchObject({ status: 'succ', recordType: 'Group', totalCount: 1 });
    const [group] = records(tx.results[0]);
    expect(group.group_identifier).toEqual([expect.objectContaining({ identifier_type: 'HOUSEHOLD_ID', identifier_value: h.id })]);
    expect(group.member_list.map((m: any) => m.member_identifier[0].identifier_value)).toEqual(h.members.map((p) => p.uin));
    // The sandbox verified our signature against our JWKS (a bad one is a 401) and took our token.
    expect(sandbox.calls('social').slice(before)).toContainEqual(expect.objectContaining({ path: '/social/registry/sync/search', status: 200 }));
    expect(ok(await gql(TRANSACTION, { id: tx.id }, reader)).socialRegistryTransaction).toEqual(tx);
  });

  it('searches sync by conditions: the people of one area, paged', async () => {
    const area = household(0).area.areaCode;
    const inArea = sandbox.households.filter((h) => h.area.areaCode === area).flatMap((h) => h.members);
    const criteria = { recordType: 'Member', conditions: [{ attribute: 'location', operator: 'eq', value: area }], pageSize: 2, page: 1 };
    const tx = ok(await gql(SEARCH, { dataSource: SOURCE, criteria }, reader)).searchSocialRegistry;
    expect(tx.results[0]).toMatchObject({ status: 'succ', recordType: 'Member', totalCount: inArea.length, pageSize: 2, pageNumber: 1 });
    expect(records(tx.results[0]).map((m) => m.member_identifier[0].identifier_value)).toEqual(inArea.slice(0, 2).map((p) => p.uin));
  });

  it('searches async: returns at once with the ACK; the answer arrives on our receiver and is read by id', async () => {
    const h = household(1);
    const tx = ok(await gql(SEARCH, { dataSource: SOURCE, criteria: byUin(h.members[0].uin), mode: 'ASYNC' }, reader)).searchSocialRegistry;
    expect(tx).toMatchObject({ kind: 'search', mode: 'ASYNC', ack: { status: 'ACK', correlationId: expect.stringMatching(/^SOCIAL-/) } });
    expect(['pending', 'answered']).toContain(tx.status);
    const answered = await eventually(
      async () => ok(await gql(TRANSACTION, { id: tx.id }, reader)).socialRegistryTransaction,
      (x) => x.status !== 'pending',
    );
    expect(answered).toMatchObject({ id: tx.id, status: 'answered', error: null });
    expect(records(answered.results[0])[0].group_identifier[0].identifier_value).toBe(h.id);
    // Delivered to our on-search, signed with the registry's key, with a token from our token endpoint.
    // The registry records the status once our answer to its POST reaches it, which may come after we stored the answer.
    const delivered = await eventually(
      async () => sandbox.deliveries('social'),
      (all) => all.every((d) => d.status !== undefined || d.error !== undefined),
    );
    expect(delivered).toContainEqual(expect.objectContaining({ action: 'on-search', url: `${t.url}/dci/registry/on-search`, status: 200 }));
  });

  it('refuses unreadable criteria, another kind of data source, and callers without registry:pii, sending nothing', async () => {
    const before = sandbox.calls('social').length;
    const both = { identifier: { type: 'UIN', value: household(0).members[0].uin }, conditions: [{ attribute: 'sex', value: 'female' }] };
    expect(codes(await gql(SEARCH, { dataSource: SOURCE, criteria: both }, reader))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(SEARCH, { dataSource: SOURCE, criteria: { ...byUin('1'), pageSize: 1000 } }, reader))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(SEARCH, { dataSource: 'nowhere', criteria: byUin('1') }, reader))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(SEARCH, { dataSource: SOURCE, criteria: byUin('1') }, await t.token(READ)))).toEqual(['FORBIDDEN']);
    expect(sandbox.calls('social').length).toBe(before);
  });

  it('discards an answer whose signature does not verify with the registry keys, and stores nothing', async () => {
    const stored = ok(await gql(TRANSACTIONS, { dataSource: SOURCE }, reader)).socialRegistryTransactions.length;
    sandbox.faults.badSignatureNext('social', 1);
    const res = await gql(SEARCH, { dataSource: SOURCE, criteria: byUin(household(2).members[0].uin) }, reader);
    expect(codes(res)).toEqual(['UNAVAILABLE']);
    expect(res.body.errors?.[0].extensions).toMatchObject({ reason: 'BAD_SIGNATURE', dataSource: SOURCE });
    expect(ok(await gql(TRANSACTIONS, { dataSource: SOURCE }, reader)).socialRegistryTransactions).toHaveLength(stored);
  });

  it('imports a search answer through the registry rules: people and households, then nothing new the second time', async () => {
    const area = household(3).area.areaCode;
    const expected = sandbox.households.filter((h) => h.area.areaCode === area);
    const criteria = { conditions: [{ attribute: 'location', value: area }], pageSize: 100 };
    const tx = ok(await gql(SEARCH, { dataSource: SOURCE, criteria }, reader)).searchSocialRegistry;
    expect(records(tx.results[0])).toHaveLength(expected.length);
    const people = expected.flatMap((h) => h.members);

    const first = ok(await gql(IMPORT, { id: tx.id })).importFromSocialRegistry;
    expect(first.counts).toEqual({ created: people.length + expected.length, updated: 0, unchanged: 0, review: 0 });
    expect(first.individuals.map((i: any) => i.identifiers[0].value).sort()).toEqual(people.map((p) => p.uin).sort());
    expect(first.groups).toHaveLength(expected.length);
    for (const h of expected) {
      const group = first.groups.find((g: any) => g.identifiers.some((i: any) => i.type === 'HOUSEHOLD_ID' && i.value === h.id));
      expect(group).toMatchObject({ kind: 'household', size: h.members.length });
      const roles = Object.fromEntries(group.members.map((m: any) => [m.individual.identifiers[0].value, m.role]));
      expect(roles).toEqual(Object.fromEntries(h.members.map((p) => [p.uin, p.role])));
    }

    const again = ok(await gql(IMPORT, { id: tx.id })).importFromSocialRegistry;
    expect(again.counts).toEqual({ created: 0, updated: 0, unchanged: people.length + expected.length, review: 0 });
    expect(again.individuals.map((i: any) => i.id).sort()).toEqual(first.individuals.map((i: any) => i.id).sort());
  });

  it('two imports of the same records at once register each person and household once', async () => {
    // The last of the households the review test below may pick the first of.
    const h = sandbox.households.filter((x) => x.members.length >= 3 && x.area.areaCode !== household(3).area.areaCode).pop()!;
    const tx = ok(await gql(SEARCH, { dataSource: SOURCE, criteria: { identifier: { type: 'HOUSEHOLD_ID', value: h.id } } }, reader)).searchSocialRegistry;
    await Promise.all([gql(IMPORT, { id: tx.id }), gql(IMPORT, { id: tx.id })]);
    const holders = await t.gateway.models.IdentifierClaim.find({ 'identifier.value': { $in: [h.id, ...h.members.map((p) => p.uin)] } }, { registrant: 1 }).lean();
    expect(holders).toHaveLength(h.members.length + 1);
    const group = await t.gateway.models.Group.findById(holders.find((c) => `${c._id}`.includes(h.id))!.registrant).lean();
    expect(group!.members.map((m) => `${m.individual}`).sort()).toEqual(holders.filter((c) => !`${c._id}`.includes(h.id)).map((c) => `${c.registrant}`).sort());
    expect(await t.gateway.models.Individual.countDocuments({ _id: { $in: holders.map((c) => c.registrant) } })).toBe(h.members.length);
  });

  it('sends a person known with other data to review instead of merging, and joins a known person with the same data', async () => {
    // A household of three or more the import above did not touch.
    const h = sandbox.households.find((x) => x.area.areaCode !== household(3).area.areaCode && x.members.length >= 3)!;
    const [head, ...rest] = h.members;
    // The registry knows the head under another name, and the next member with the same data but no household.
    await gql(CREATE_INDIVIDUAL, { input: { name: { given: 'Someone', family: 'Else' }, sex: head.sex, identifiers: [{ type: 'UIN', value: head.uin }] } });
    const known = rest[0];
    ok(await gql(CREATE_INDIVIDUAL, { input: { name: { given: known.givenName, family: known.surname }, sex: known.sex, birthDate: known.birthDate, identifiers: [{ type: 'UIN', value: known.uin }] } }));
    const tx = ok(await gql(SEARCH, { dataSource: SOURCE, criteria: { identifier: { type: 'HOUSEHOLD_ID', value: h.id } } }, reader)).searchSocialRegistry;
    const result = ok(await gql(IMPORT, { id: tx.id })).importFromSocialRegistry;
    // The household and the members the registry did not know are created; the known member is found.
    expect(result.counts).toEqual({ created: 1 + rest.length - 1, updated: 0, unchanged: 1, review: 1 });
    expect(result.groups[0].members.map((m: any) => m.role).sort()).toEqual(rest.map((p) => p.role).sort());
    const items = ok(await gql(REVIEW_ITEMS, {})).crvsReviewItems.edges.map((e: any) => e.node);
    expect(items).toContainEqual(expect.objectContaining({ kind: 'social', reason: 'DUPLICATE_RECORD', dataSource: SOURCE }));
  });

  it('subscribes, stores each notification, imports it, and after unsubscribing receives nothing more', async () => {
    const subscribed = ok(await gql(SUBSCRIBE, { dataSource: SOURCE, eventType: 'REGISTER' })).subscribeSocialRegistry;
    expect(subscribed).toEqual([expect.objectContaining({ code: expect.stringMatching(/^SUB-SR-/), dataSource: SOURCE, eventType: 'REGISTER', status: 'active', endedAt: null })]);
    expect(JSON.parse(subscribed[0].filter)).toEqual([expect.objectContaining({ expression1: expect.objectContaining({ attribute_name: 'registration_date', operator: 'ge' }) })]);
    expect(sandbox.deliveries('social')).toContainEqual(expect.objectContaining({ action: 'on-subscribe', status: 200 }));

    const registered = await sandbox.registerHousehold();
    expect(sandbox.deliveries('social')).toContainEqual(expect.objectContaining({ action: 'notify', url: `${t.url}/dci/registry/notify`, status: 200 }));
    const notified = (await eventually(
      async () => ok(await gql(TRANSACTIONS, { dataSource: SOURCE }, reader)).socialRegistryTransactions.filter((x: any) => x.kind === 'notify'),
      (list) => list.length > 0,
    ))[0];
    expect(notified).toMatchObject({ status: 'answered', results: [expect.objectContaining({ eventType: 'REGISTER', recordType: 'Group' })] });
    expect(records(notified.results[0])[0].group_identifier[0].identifier_value).toBe(registered.id);
    const imported = ok(await gql(IMPORT, { id: notified.id })).importFromSocialRegistry;
    expect(imported.counts).toEqual({ created: registered.members.length + 1, updated: 0, unchanged: 0, review: 0 });

    const ended = ok(await gql(UNSUBSCRIBE, { dataSource: SOURCE, codes: [subscribed[0].code] })).unsubscribeSocialRegistry;
    expect(ended).toEqual([{ code: subscribed[0].code, status: 'ended', endedAt: expect.any(String) }]);
    const notifications = sandbox.deliveries('social').filter((d) => d.action === 'notify').length;
    await sandbox.registerHousehold();
    expect(sandbox.deliveries('social').filter((d) => d.action === 'notify')).toHaveLength(notifications);
    // A code no longer held is refused before anything is sent.
    expect(codes(await gql(UNSUBSCRIBE, { dataSource: SOURCE, codes: [subscribed[0].code] }))).toEqual(['BAD_USER_INPUT']);
  });

  it('deletes transactions past their retention, by their stored time', async () => {
    const models = t.gateway.models;
    const now = new Date();
    const day = 86_400_000;
    const old = { dataSource: SOURCE, kind: 'search', mode: 'sync', status: 'answered', partner: 'social.sandbox', results: [] };
    await models.SocialRegistryTransaction.create([
      { ...old, _id: 'retention-old', createdAt: new Date(now.getTime() - (RETENTION_DAYS + 1) * day) },
      { ...old, _id: 'retention-kept', createdAt: new Date(now.getTime() - (RETENTION_DAYS - 1) * day) },
    ]);
    expect(await pruneTransactions(models, now)).toBe(1);
    expect(ok(await gql(TRANSACTION, { id: 'retention-old' }, reader)).socialRegistryTransaction).toBeNull();
    expect(ok(await gql(TRANSACTION, { id: 'retention-kept' }, reader)).socialRegistryTransaction).toMatchObject({ id: 'retention-kept' });
  });

  it('subscribing and importing need registry:write', async () => {
    expect(codes(await gql(SUBSCRIBE, { dataSource: SOURCE, eventType: 'REGISTER' }, reader))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(IMPORT, { id: 'nope' }, reader))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(IMPORT, { id: 'nope' }))).toEqual(['NOT_FOUND']);
  });
});
