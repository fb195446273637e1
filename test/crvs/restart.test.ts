/** A gateway stopped in the middle of an import finishes it after a restart, without a second person per BRN. */
import { everything, IMPORT_FIELDS, startCrvsWorld, waitFor, CrvsWorld, DEMO } from './world';

const START = `mutation ($from: Date!, $to: Date!) { startCrvsImport(from: $from, to: $to, pageSize: 10) { ${IMPORT_FIELDS} } }`;
const START_PAGED = `mutation ($from: Date!, $to: Date!, $pageSize: Int) { startCrvsImport(from: $from, to: $to, pageSize: $pageSize) { id pageSize } }`;
const STATUS = `query ($id: ID!) { crvsImport(id: $id) { ${IMPORT_FIELDS} } }`;

describe('CRVS import across a restart', () => {
  let w: CrvsWorld;
  beforeAll(async () => {
    w = await startCrvsWorld({ births: 150 });
  });
  afterAll(async () => {
    await w?.stop();
  });

  const status = async (id: string) => {
    const res = await w.gql(STATUS, { id });
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data.crvsImport;
  };

  it('resumes after its last finished page and creates every child once', async () => {
    // Slow replies, so the stop lands after the first page and well before the last.
    w.sandbox.faults.delayNext('crvs', 10, 1500);
    const started = (await w.gql(START, everything())).body.data.startCrvsImport;
    await waitFor(async () => (await status(started.id)).pagesDone >= 1);
    await w.restart();
    const paused = await status(started.id);
    expect(paused.pagesDone).toBeLessThan(paused.totalPages);
    expect(paused.state).not.toBe('done');

    const done = await waitFor(async () => {
      const s = await status(started.id);
      return s.state === 'done' && s;
    }, 120_000);
    expect(done.pagesDone).toBe(done.totalPages);

    const m = w.gateway.models;
    const brns = [...new Set(w.sandbox.data.births.map((b) => b.brn))];
    const holders = await m.IdentifierClaim.find({ _id: { $in: brns.map((b) => `BRN:${b}`) } }).lean();
    expect(holders).toHaveLength(brns.length);
    expect(new Set(holders.map((h) => `${h.registrant}`)).size).toBe(brns.length);
    // No one without a BRN was left behind by the interrupted run.
    expect(await m.Individual.countDocuments({})).toBe(DEMO + brns.length);
    expect(done.counts.created).toBe(brns.length);
    // Each mother heads at most one household.
    const heads = await m.Membership.find({ role: 'head', endDate: null }, { individual: 1 }).lean();
    expect(new Set(heads.map((h) => `${h.individual}`)).size).toBe(heads.length);
  });

  it('opens one import for the same range asked five times at once, or again with another page size while unfinished', async () => {
    const before = await w.gateway.models.CrvsImport.countDocuments({});
    w.sandbox.faults.delayNext('crvs', 3, 1500);
    const started = await Promise.all(Array.from({ length: 5 }, async () => (await w.gql(START, everything())).body.data.startCrvsImport));
    expect(new Set(started.map((s) => s.id)).size).toBe(1);
    // The page size is how it is fetched, not what: the unfinished import goes on with its own.
    const again = (await w.gql(START_PAGED, { ...everything(), pageSize: 25 })).body.data.startCrvsImport;
    expect(again).toMatchObject({ id: started[0].id, pageSize: 10 });
    expect(await w.gateway.models.CrvsImport.countDocuments({})).toBe(before + 1);
    await waitFor(async () => (await status(started[0].id)).state === 'done', 120_000);
  });
});
