/**
 * Evaluating `age_years >= 18 && dr.has_disability` over the whole bench registry: from nothing
 * (every value computed, the disability registry asked in envelopes, against a sandbox DR linked to
 * the bench people) and again with the values stored, in the database and in the gateway; next to
 * the calls that one call per person per partner-backed indicator would make.
 */
import { startSandbox } from '../adapters/dci/sandbox';
import { addDataSource, disableDataSource } from '../src/dataSources/service';
import { settingsOf } from '../src/dataSources/settings';
import { createLogger } from '../src/log';
import { evaluateEligibility } from '../src/programs/eligibility';
import { createProgram } from '../src/programs/programs';
import type { BenchContext } from './context';
import { SEED } from './context';
import { fixed, sandboxDataSource, table } from './support';

const RULE = 'age_years >= 18 && dr.has_disability';
/** The same rule in a form the database cannot run (arithmetic): evaluated in the gateway. */
const RULE_IN_GATEWAY = 'age_years + 0.0 >= 18.0 && dr.has_disability';
const MAX_ITEMS = 100;
/** High enough that the sandbox's answers, not our rate budget, set the pace. */
const RATE_PER_MINUTE = 60_000;
const DATA_SOURCE = 'dr-eligibility-bench';
const ENDPOINTS = ['/registry/sync/disabled', '/registry/sync/get-disability-details'];

export async function run(ctx: BenchContext): Promise<string> {
  const { models, dataSources } = ctx.gateway;
  const deps = { models, dataSources, log: createLogger('silent') };
  ctx.note(`eligibility: ${RULE} over ${ctx.individuals} individuals against a sandbox DR`);
  const sandbox = await startSandbox({ seed: SEED, demoIndividuals: ctx.individuals, births: 0, deaths: 0 });
  try {
    await addDataSource(
      models,
      settingsOf(models.DataSource.db),
      { ...sandboxDataSource(sandbox, 'dr', DATA_SOURCE, ctx.gateway.url, MAX_ITEMS), rateLimitPerMinute: RATE_PER_MINUTE },
      new Date(),
    );
    const now = new Date();
    const program = await createProgram(models, { name: 'bench: disabled adults', rule: RULE }, now, 'bench');
    const inGateway = await createProgram(models, { name: 'bench: disabled adults, in the gateway', rule: RULE_IN_GATEWAY }, now, 'bench');
    const drCalls = () => sandbox.calls('dr').filter((c) => ENDPOINTS.some((e) => c.path === `/dr${e}`)).length;

    const evaluate = async (programId: string) => {
      const before = drCalls();
      const started = performance.now();
      let lastNote = 0;
      const { record } = await evaluateEligibility(deps, undefined, {
        programId,
        onProgress: (done, total) => {
          if (total === 0 || (done - lastNote < 2000 && done !== total)) return;
          lastNote = done;
          ctx.note(`eligibility: values of ${done}/${total} people`);
        },
      });
      return { record, ms: performance.now() - started, calls: drCalls() - before };
    };
    const cold = await evaluate(`${program._id}`);
    ctx.note('eligibility: again, from stored values');
    const warm = [await evaluate(`${program._id}`), await evaluate(`${program._id}`), await evaluate(`${program._id}`)].sort((a, b) => a.ms - b.ms);
    const node = [await evaluate(`${inGateway._id}`), await evaluate(`${inGateway._id}`), await evaluate(`${inGateway._id}`)].sort((a, b) => a.ms - b.ms);
    // For scale: one count over every stored value document.
    const scans: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await models.IndicatorValues.countDocuments({ 'v.age_years.value': { $gte: 0 } });
      scans.push(performance.now() - started);
    }
    const scanMs = scans.sort((a, b) => a - b)[1]!;
    const same = [...warm, ...node].every((m) => JSON.stringify(m.record.counts) === JSON.stringify(cold.record.counts));
    if (!same) throw new Error('evaluations of the same values disagree');

    const people = ctx.individuals;
    const perPerson = people; // one partner-backed indicator (dr.has_disability); age_years is computed from the registry
    const { eligible, notEligible, unknown } = cold.record.counts;
    const median = (runs: typeof warm) => runs[1]!;
    const row = (label: string, m: typeof cold, strategy = m.record.strategy) => [label, strategy, fixed(m.ms, 0), m.calls];
    return [
      `## Eligibility: \`${RULE}\` over ${people} individuals (issue 9)`,
      '',
      `A sandbox DR over HTTP (signed envelopes, OAuth2) linked to the bench people, maxItemsPerEnvelope ${MAX_ITEMS}; ` +
        `${eligible} eligible, ${notEligible} not eligible, ${unknown} unknown. Stored values: median of 3.`,
      '',
      table(
        ['evaluation', 'where the rule ran', 'wall ms', 'DR calls'],
        [
          row('from nothing (every value computed, DR asked)', cold),
          row('stored values', median(warm)),
          row('stored values, rule the database cannot run', median(node)),
        ],
      ),
      '',
      `From nothing: **${cold.calls} DR calls** for ${people} people (${cold.calls / 2} per DR operation, sync/disabled and ` +
        `get-disability-details; target ≤ ${Math.ceil(people / MAX_ITEMS)} = people / envelope size per operation), against ` +
        `**${perPerson}** with one call per person per partner-backed indicator (${perPerson * 2} counting both DR operations): ` +
        `${fixed(perPerson / (cold.calls / 2), 0)}× fewer. With stored values: ${fixed(median(warm).ms, 0)} ms (target ≤ 1,000 ms), no partner call; ` +
        `for scale, one count over all ${people} value documents took ${fixed(scanMs, 0)} ms in the same run; a warm evaluation in the database ` +
        `reads them three times (stale or missing values, the eligible, the count of the not eligible) and records itself.`,
    ].join('\n');
  } finally {
    await disableDataSource(models, DATA_SOURCE, new Date()).catch(() => undefined);
    await sandbox.stop();
  }
}
