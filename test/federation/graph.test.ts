/**
 * Partner data as fields of Individual: every individual of one operation goes to the partner in as
 * few envelopes as it allows, and a partner that cannot answer fails its fields only.
 */
import { codes, ok, READ } from '../support/gateway';
import { FederationWorld, startFederationWorld } from './world';

const INDIVIDUALS = 60;
const MAX_ITEMS = 10;
const PAGE = `query ($first: Int!, $offset: Int) { individuals(first: $first, offset: $offset) { edges { node {
  id identifiers { type value } name { given }
  disabilityStatus { registered status impairments { type } }
  enrollmentCheck { result programmes { name } }
  crvsRecord { events { type registrationNumber date } dataSource }
} } } }`;
const DISABILITY_ONLY = `query ($first: Int!, $offset: Int) { individuals(first: $first, offset: $offset) { edges { node { id disabilityStatus { registered } } } } }`;

interface Node {
  id: string;
  identifiers: { type: string; value: string }[];
  name: { given: string };
  disabilityStatus: { registered: boolean; status: string | null; impairments: { type: string }[] } | null;
  enrollmentCheck: { result: string; programmes: { name: string }[] } | null;
  crvsRecord: { events: { type: string; registrationNumber: string; date: string }[]; dataSource: string } | null;
}

describe('partner data federated into Individual', () => {
  let w: FederationWorld;
  beforeAll(async () => {
    w = await startFederationWorld({ individuals: INDIVIDUALS });
    await w.addDataSource('dr', MAX_ITEMS);
    await w.addDataSource('ibr', MAX_ITEMS);
  });
  afterAll(async () => {
    await w?.stop();
  });

  const uinOf = (node: Node) => node.identifiers.find((i) => i.type === 'UIN')!.value;
  const nodes = (data: any): Node[] => data.individuals.edges.map((e: { node: Node }) => e.node);

  it('a page of 30 individuals costs at most ceil(30 / maxItemsPerEnvelope) calls per partner endpoint', async () => {
    const before = { disabled: w.calls('dr', '/registry/sync/disabled'), details: w.calls('dr', '/registry/sync/get-disability-details') };
    const page = nodes(ok(await w.t.gql(DISABILITY_ONLY, { first: 30 }, w.token)));
    expect(page).toHaveLength(30);
    const limit = Math.ceil(30 / MAX_ITEMS);
    expect(w.calls('dr', '/registry/sync/disabled') - before.disabled).toBeLessThanOrEqual(limit);
    expect(w.calls('dr', '/registry/sync/get-disability-details') - before.details).toBeLessThanOrEqual(limit);
    expect(page.filter((n) => n.disabilityStatus!.registered)).toHaveLength(w.sandbox.data.disabilities.filter((d) => d.disabilityStatus === 'Approved' && Number(d.uin.slice(2)) <= 30).length);
  });

  it('answers every field from its partner; a partner without a data source fails only its field (NO_DATA_SOURCE)', async () => {
    const ibrBefore = w.calls('ibr', '/registry/sync/enrolled');
    const drBefore = w.sandbox.calls('dr').length;
    const res = await w.t.gql(PAGE, { first: 30 }, w.token);
    // The rest of the answer stands: HTTP 200, as for any field error; 503 is for the database.
    expect(res.status).toBe(200);
    const page = nodes(res.body.data);
    expect(w.sandbox.calls('dr').length).toBe(drBefore); // all 30 stored by the previous query
    expect(w.calls('ibr', '/registry/sync/enrolled') - ibrBefore).toBeLessThanOrEqual(Math.ceil(30 / MAX_ITEMS));
    for (const node of page) {
      const enrolled = w.sandbox.data.enrolments.filter((e) => e.uin === uinOf(node));
      expect(node.enrollmentCheck!.result).toBe(enrolled.length > 0 ? 'CONFIRMED_MATCH' : 'NO_MATCH');
      expect(node.enrollmentCheck!.programmes.map((p) => p.name).sort()).toEqual(enrolled.map((e) => e.programmeName).sort());
      expect(node.disabilityStatus).not.toBeNull();
      expect(node.crvsRecord).toBeNull();
    }
    const errors = res.body.errors ?? [];
    expect(errors).toHaveLength(30);
    expect(errors.every((e) => e.path?.at(-1) === 'crvsRecord' && e.extensions?.code === 'UNAVAILABLE' && e.extensions.reason === 'NO_DATA_SOURCE')).toBe(true);
  });

  it('looks up the CRVS record by UIN or BRN, several search items per envelope', async () => {
    await w.addDataSource('crvs', MAX_ITEMS);
    const before = w.calls('crvs', '/registry/sync/search');
    const page = nodes(ok(await w.t.gql(PAGE, { first: 30 }, w.token)));
    expect(w.calls('crvs', '/registry/sync/search') - before).toBe(Math.ceil(30 / MAX_ITEMS));
    for (const node of page) {
      const death = w.sandbox.data.deaths.find((d) => d.uin === uinOf(node));
      expect(node.crvsRecord).toEqual({ events: death ? [{ type: 'death', registrationNumber: death.drn, date: death.deathDate }] : [], dataSource: 'crvs-sandbox' });
    }
  });

  it('without registry:pii the partner fields are null and no partner is asked', async () => {
    const before = w.sandbox.calls().length;
    const page = nodes(ok(await w.t.gql(PAGE, { first: 5, offset: 40 }, await w.t.token(READ))));
    expect(page.map((n) => [n.disabilityStatus, n.enrollmentCheck, n.crvsRecord])).toEqual(page.map(() => [null, null, null]));
    expect(w.sandbox.calls().length).toBe(before);
  });

  it('with the DR down, disabilityStatus fails with UNAVAILABLE and the rest of the query succeeds', async () => {
    w.sandbox.faults.down('dr', true);
    try {
      const res = await w.t.gql(PAGE, { first: 5, offset: 30 }, w.token);
      const page = nodes(res.body.data);
      expect(page).toHaveLength(5);
      for (const node of page) {
        expect(node.disabilityStatus).toBeNull();
        expect(node.name.given).toEqual(expect.any(String));
        expect(node.enrollmentCheck!.result).toMatch(/MATCH$/);
        expect(node.crvsRecord!.dataSource).toBe('crvs-sandbox');
      }
      expect(codes(res)).toEqual(page.map(() => 'UNAVAILABLE'));
      expect(res.body.errors!.map((e) => e.path)).toEqual(page.map((_, i) => ['individuals', 'edges', i, 'node', 'disabilityStatus']));
      // The two DR endpoints' retries open the breaker; each call still reports its own failure.
      expect(res.body.errors![0].extensions).toMatchObject({ dataSource: 'dr-sandbox', reason: 'UNREACHABLE' });
    } finally {
      w.sandbox.faults.down('dr', false);
    }
  });
});
