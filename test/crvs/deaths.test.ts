/** Deaths from CRVS: notifications of a subscription, and a death search over a date range. */
import { demoUin } from '../../src/registry/seed';
import { everything, IMPORT_FIELDS, SEED, startCrvsWorld, waitFor, CrvsWorld } from './world';

const SUBSCRIBE = `mutation { subscribeCrvsEvents { code event dataSource } }`;
const PERSON = `query ($id: ID!) { individual(id: $id) { status deathDate version identifiers { type value issuer } civilEvents { kind registrationType registrationNumber date via } } }`;
const DEATHS = `mutation ($from: Date!, $to: Date!) { startCrvsDeathImport(from: $from, to: $to) { ${IMPORT_FIELDS} } }`;
const STATUS = `query ($id: ID!) { crvsImport(id: $id) { ${IMPORT_FIELDS} } }`;

describe('CRVS deaths', () => {
  let w: CrvsWorld;
  const ok = (res: any) => {
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data;
  };
  const holderOf = async (uin: string) => `${(await w.gateway.models.IdentifierClaim.findById(`UIN:${uin}`).lean())!.registrant}`;
  const person = async (uin: string) => ok(await w.gql(PERSON, { id: await holderOf(uin) })).individual;
  const importDeaths = async () => {
    const started = ok(await w.gql(DEATHS, everything())).startCrvsDeathImport;
    return waitFor(async () => {
      const status = ok(await w.gql(STATUS, { id: started.id })).crvsImport;
      return status.state === 'done' && status;
    });
  };

  beforeAll(async () => {
    w = await startCrvsWorld({ births: 10 });
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('subscribes once per data source to LiveBirth and Death events', async () => {
    const subscriptions = ok(await w.gql(SUBSCRIBE)).subscribeCrvsEvents;
    expect(subscriptions.map((s: any) => s.event).sort()).toEqual(['Death', 'LiveBirth']);
    expect(ok(await w.gql(SUBSCRIBE)).subscribeCrvsEvents).toEqual(subscriptions);
    expect(w.sandbox.calls('crvs').filter((c) => c.path === '/crvs/registry/subscribe')).toHaveLength(1);
  });

  it('applies a death notification: deceased, DRN attached, event kept; a re-delivery changes nothing', async () => {
    // Person 1 heads the first seeded household: an adult, alive.
    const uin = demoUin(SEED, 1);
    const today = new Date().toISOString().slice(0, 10);
    const drn = `DRN-CR-${SEED}-9000001`;
    // A Death notification as the CRVS registry sends it (SPEC-NOTES A.9), handed over the way the
    // gateway's /registry/notify receiver does once token and signature are checked.
    const notify = (transactionId: string) =>
      w.gateway.dci.hub.dispatch({
        action: 'notify',
        senderId: w.sandbox.registries.crvs.senderId,
        transactionId,
        header: { action: 'notify', sender_id: w.sandbox.registries.crvs.senderId },
        message: {
          transaction_id: transactionId,
          notify_event: [{
            reference_id: 'SUB-CRVS-000002:0001',
            timestamp: new Date().toISOString(),
            data: {
              reg_type: 'ns:org:RegistryType:Civil',
              reg_event_type: 'spdci-common:RegistryEventType:Death',
              reg_record_type: 'spdci-extensions-dci:Person',
              reg_records: { '@type': 'CRVS_Person', identifier: [{ identifier_type: 'UIN', identifier_value: uin }, { identifier_type: 'DRN', identifier_value: drn }], death_date: `${today}T00:00:00Z` },
            },
          }],
        },
      });
    expect(await notify('CRVS-NOTIFY-1')).toBe(true);
    const after = await person(uin);
    expect(after).toMatchObject({ status: 'deceased', deathDate: today });
    expect(after.identifiers).toEqual(expect.arrayContaining([{ type: 'DRN', value: drn, issuer: 'CRVS' }]));
    expect(after.civilEvents).toEqual([{ kind: 'death', registrationType: 'DRN', registrationNumber: drn, date: today, via: 'notify' }]);

    // Delivered again (a lost ACK): nothing changes, not even the outbox.
    const outbox = await w.gateway.models.Outbox.countDocuments({});
    await notify('CRVS-NOTIFY-2');
    expect(await person(uin)).toEqual(after);
    expect(await w.gateway.models.Outbox.countDocuments({})).toBe(outbox);
  });

  it('imports the deaths of a date range, and a second run changes nothing', async () => {
    const deaths = w.sandbox.data.deaths;
    const first = await importDeaths();
    expect(first.totalCount).toBe(deaths.length);
    // A death dated before the person's seeded birth is reviewed, not applied.
    expect(first.counts.updated + first.counts.review).toBe(deaths.length);
    expect(first.counts.updated).toBeGreaterThan(0);
    for (const d of deaths) {
      const p = await person(d.uin);
      if (p.status !== 'deceased') continue;
      expect(p.deathDate).toBe(d.deathDate);
      expect(p.identifiers).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'DRN', value: d.drn })]));
      expect(p.civilEvents).toEqual([expect.objectContaining({ kind: 'death', registrationNumber: d.drn, via: 'search' })]);
    }
    const second = await importDeaths();
    expect(second.counts).toEqual({ created: 0, updated: 0, unchanged: first.counts.updated + first.counts.unchanged, review: first.counts.review });
  });

  it('applies a Death that the CRVS registry notifies over HTTP: signed, verified, received on /dci/registry/notify', async () => {
    // After the import, so that this new death is not among the records the import expects.
    const recorded = new Set(w.sandbox.data.deaths.map((d) => d.uin));
    let n = 2;
    while (recorded.has(demoUin(SEED, n))) n++;
    const uin = demoUin(SEED, n);
    expect((await person(uin)).status).toBe('active');
    const today = new Date().toISOString().slice(0, 10);

    // Resolves once the gateway has acknowledged the notification (the sandbox throws on any refusal).
    await w.sandbox.emitDeath(uin, today);
    const death = w.sandbox.data.deaths.at(-1)!;
    expect(death.uin).toBe(uin);
    const after = await person(uin);
    expect(after).toMatchObject({ status: 'deceased', deathDate: today });
    expect(after.identifiers).toEqual(expect.arrayContaining([{ type: 'DRN', value: death.drn, issuer: 'CRVS' }]));
    expect(after.civilEvents).toEqual([{ kind: 'death', registrationType: 'DRN', registrationNumber: death.drn, date: today, via: 'notify' }]);
  });
});
