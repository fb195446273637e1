/** The DR disability status over HTTP: real gateway, sandbox DR, stored answers with known freshness. */
import { demoUin } from '../../src/registry/seed';
import { codes, ok, READ } from '../support/gateway';
import { FederationWorld, startFederationWorld } from './world';

const INDIVIDUALS = 60;
const STATUS = `query ($id: ID!, $refresh: Boolean) {
  disabilityStatus(individualId: $id, refresh: $refresh) { registered status severity impairments { type level cause } assessedAt checkedAt dataSource } }`;

describe('DR disability status', () => {
  let w: FederationWorld;
  beforeAll(async () => {
    w = await startFederationWorld({ individuals: INDIVIDUALS });
    await w.addDataSource('dr');
  });
  afterAll(async () => {
    await w?.stop();
  });

  const drCalls = () => w.sandbox.calls('dr').length;
  const statusOf = async (uin: string, refresh = false) => ok(await w.t.gql(STATUS, { id: await w.idOf(uin), refresh }, w.token)).disabilityStatus;

  it('a registered person: approved, with impairments, severity and assessment date', async () => {
    const d = w.sandbox.data.disabilities.find((x) => x.disabilityStatus === 'Approved')!;
    expect(await statusOf(d.uin)).toEqual({
      registered: true,
      status: 'Approved',
      severity: d.severity,
      impairments: [{ type: d.impairmentType, level: d.impairmentLevel, cause: d.impairmentCause }],
      assessedAt: `${d.assessmentDate}T00:00:00.000Z`,
      checkedAt: expect.any(String),
      dataSource: 'dr-sandbox',
    });
  });

  it('a pending registration is not registered, but shows its status', async () => {
    const d = w.sandbox.data.disabilities.find((x) => x.disabilityStatus === 'Pending')!;
    expect(await statusOf(d.uin)).toMatchObject({ registered: false, status: 'Pending', impairments: [{ type: d.impairmentType }] });
  });

  it('a person the registry does not know is not registered', async () => {
    const known = new Set(w.sandbox.data.disabilities.map((d) => d.uin));
    const uin = Array.from({ length: INDIVIDUALS }, (_, i) => demoUin(1, i + 1)).find((u) => !known.has(u))!;
    expect(await statusOf(uin)).toMatchObject({ registered: false, status: null, severity: null, impairments: [], assessedAt: null });
  });

  it('serves a stored answer while fresh, without calling the registry; refresh and expiry ask again', async () => {
    const uin = w.sandbox.data.disabilities[0].uin;
    const first = await statusOf(uin, true);
    const before = drCalls();
    const again = await statusOf(uin);
    expect(drCalls()).toBe(before);
    expect(again.checkedAt).toBe(first.checkedAt);

    const refreshed = await statusOf(uin, true);
    expect(drCalls() - before).toBe(2); // sync/disabled and sync/get-disability-details
    expect(refreshed.checkedAt > first.checkedAt).toBe(true);

    // Expiry is judged from the stored checkedAt (24 h), not by a TTL index.
    const dayAgo = new Date(Date.now() - 24 * 3600 * 1000 - 1000);
    await w.t.gateway.models.PartnerFact.updateOne({ kind: 'disability', individual: await w.idOf(uin) }, { $set: { checkedAt: dayAgo } });
    await statusOf(uin);
    expect(drCalls() - before).toBe(4);
  });

  it('needs registry:pii: disability is health data', async () => {
    expect(codes(await w.t.gql(STATUS, { id: await w.idOf(demoUin(1, 1)) }, await w.t.token(READ)))).toEqual(['FORBIDDEN']);
  });
});
