/**
 * Refresh runs and expiry: a run over everyone interrupted by a restart resumes after its last
 * finished batch without recomputing anyone before it; an expired value is served stale and
 * recomputed; a run over one area recomputes that area only.
 */
import { Types } from 'mongoose';
import { BATCH_SIZE } from '../../src/indicators/values';
import { waitFor } from '../crvs/world';
import { ok } from '../support/gateway';
import { indicatorsOf, IndicatorWorld, READ, startIndicatorWorld } from './world';

const PEOPLE = 3 * BATCH_SIZE + 50;
const REFRESH_FIELDS = 'id indicators area state total done failed lastError finishedAt';
const REFRESH = `mutation ($names: [String!], $filter: IndicatorPopulationFilter) { refreshIndicators(names: $names, filter: $filter) { ${REFRESH_FIELDS} } }`;
const PROGRESS = `query ($id: ID!) { indicatorRefresh(id: $id) { ${REFRESH_FIELDS} } }`;

describe('indicator refresh', () => {
  let w: IndicatorWorld;
  beforeAll(async () => {
    w = await startIndicatorWorld({ individuals: PEOPLE });
  }, 180_000);
  afterAll(async () => {
    await w?.stop();
  });

  const progress = async (id: string) => ok(await w.gql(PROGRESS, { id }, READ)).indicatorRefresh;
  const computedAt = async (slot: string) =>
    new Map((await w.gateway.models.IndicatorValues.find({}, { [`v.${slot}.computedAt`]: 1 }).lean()).map((d) => [`${d._id}`, d.v?.[slot]?.computedAt?.getTime()]));

  it('resumes after a restart from its last finished batch, recomputing nobody twice', async () => {
    // Slow IBR answers, so the restart lands after the first batch and well before the last.
    w.sandbox.faults.delayNext('ibr', 1000, 700);
    const started = ok(await w.gql(REFRESH, { names: ['age_years', 'ibr.program_count'] })).refreshIndicators;
    expect(started).toMatchObject({ indicators: ['age_years', 'ibr.program_count'], area: null, state: 'pending', total: PEOPLE, done: 0 });
    // Asking again while it runs gives the same run.
    expect(ok(await w.gql(REFRESH, { names: ['ibr.program_count', 'age_years'] })).refreshIndicators.id).toBe(started.id);

    await waitFor(async () => (await progress(started.id)).done >= BATCH_SIZE, 120_000);
    await w.restart();
    const paused = await progress(started.id);
    expect(paused.done).toBeLessThan(PEOPLE);
    expect(paused.state).not.toBe('done');
    const before = await computedAt('age_years');
    const finished = await w.gateway.models.IndicatorRefresh.findById(started.id).lean();

    const done = await waitFor(async () => {
      const p = await progress(started.id);
      return p.state === 'done' && p;
    }, 180_000);
    expect(done).toMatchObject({ total: PEOPLE, done: PEOPLE, failed: 0, lastError: null });
    expect(done.finishedAt).not.toBeNull();

    // The people of the batches finished before the restart kept their values; everyone else got one.
    const after = await computedAt('age_years');
    const people = (await w.gateway.models.Individual.find({}, { _id: 1 }).sort({ _id: 1 }).lean()).map((p) => `${p._id}`);
    const finishedBefore = people.filter((id) => id <= `${finished!.after}`);
    expect(finishedBefore.length).toBe(paused.done);
    for (const id of finishedBefore) expect(after.get(id)).toBe(before.get(id));
    expect(people.every((id) => after.get(id) !== undefined)).toBe(true);
    // Each person was asked of the IBR once by this run.
    const asked = await w.gateway.models.IndicatorFetch.aggregate([{ $match: { refresh: new Types.ObjectId(started.id), source: 'ibr' } }, { $group: { _id: '$individual', n: { $sum: 1 } } }]);
    expect(asked).toHaveLength(PEOPLE);
    expect(asked.every((a) => a.n === 1)).toBe(true);
  }, 400_000);

  it('serves an expired value stale, recomputes it in the background, and keeps the fresh one', async () => {
    const id = (await w.gateway.models.Individual.findOne({}, { _id: 1 }).lean())!._id;
    const fresh = (await indicatorsOf(w, `${id}`, ['age_years'], READ)).byLabel.age_years;
    expect(fresh.stale).toBe(false);
    // A day passes for this value: its expiry moves into the past.
    await w.gateway.models.IndicatorValues.updateOne({ _id: id }, { $set: { 'v.age_years.expiresAt': new Date(Date.now() - 1000) } });
    const expired = (await indicatorsOf(w, `${id}`, ['age_years'], READ)).byLabel.age_years;
    expect(expired).toMatchObject({ stale: true, computedAt: fresh.computedAt, numberValue: fresh.numberValue });
    const recomputed = await waitFor(async () => {
      const v = (await indicatorsOf(w, `${id}`, ['age_years'], READ)).byLabel.age_years;
      return !v.stale && v;
    });
    expect(new Date(recomputed.computedAt).getTime()).toBeGreaterThan(new Date(fresh.computedAt).getTime());
    expect(recomputed.numberValue).toBe(fresh.numberValue);
  });

  it('refreshes one area only, and refuses what the caller may not read or does not exist', async () => {
    const area = (await w.gateway.models.Individual.findOne({ areaCode: { $exists: true } }, { areaCode: 1 }).lean())!.areaCode!;
    const inArea = await w.gateway.models.Individual.countDocuments({ areaCode: area });
    const before = await computedAt('age_years');
    const run = ok(await w.gql(REFRESH, { names: ['age_years'], filter: { area } })).refreshIndicators;
    expect(run).toMatchObject({ area, total: inArea });
    await waitFor(async () => (await progress(run.id)).state === 'done', 120_000);
    const after = await computedAt('age_years');
    const areaIds = new Set((await w.gateway.models.Individual.find({ areaCode: area }, { _id: 1 }).lean()).map((p) => `${p._id}`));
    for (const [id, at] of after) expect(at !== before.get(id)).toBe(areaIds.has(id));

    const forbidden = await w.gql(REFRESH, { names: ['dr.has_disability'] }, ['registry:read', 'registry:write']);
    expect(forbidden.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN', scope: 'registry:pii' } });
    const unknown = await w.gql(REFRESH, { names: ['wealth'] });
    expect(unknown.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'names' } });
    // Asked five times at once, the same refresh is one run.
    const runs = await Promise.all(Array.from({ length: 5 }, async () => ok(await w.gql(REFRESH, { names: ['age_years'], filter: { area } })).refreshIndicators.id));
    expect(new Set(runs).size).toBe(1);
    await waitFor(async () => (await progress(runs[0]!)).state === 'done', 120_000);
    const none = await w.gql(REFRESH, { names: [] });
    expect(none.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'names' } });
    const readOnly = await w.gql(REFRESH, { names: ['age_years'] }, READ);
    expect(readOnly.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(ok(await w.gql(PROGRESS, { id: new Types.ObjectId().toHexString() }, READ)).indicatorRefresh).toBeNull();
  }, 180_000);
});
