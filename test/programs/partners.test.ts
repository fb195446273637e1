/**
 * A rule on a partner-backed indicator, against the sandbox disability registry over real DCI: from
 * nothing, its values are fetched in multi-person envelopes; afterwards evaluations read the stored
 * values without calling the partner. Reading it needs registry:pii, like the federated fields.
 */
import { ageInYears } from '../../src/indicators/derivations';
import { codes, ok, READ, READ_PII } from '../support/gateway';
import { FederationWorld, startFederationWorld } from '../federation/world';

const INDIVIDUALS = 120;
const ENVELOPE = 25;
const RULE = 'age_years >= 18 && dr.has_disability';
const CREATE = `mutation ($input: CreateProgramInput!) { createProgram(input: $input) { id requiredScopes } }`;
const EVALUATE = `query ($programId: ID!) { evaluateEligibility(programId: $programId, first: 100) {
  counts { eligible notEligible unknown } record { population strategy } edges { node { id } } } }`;
const EXPLAIN = `query ($programId: ID!, $individualId: ID!) { explainEligibility(programId: $programId, individualId: $individualId) {
  result indicators { indicator value outcome source stale decisive } } }`;

describe('a rule on partner-backed indicators', () => {
  let w: FederationWorld;
  let admin: string;
  /** The seeded people the rule holds for, from the registry's ages and the sandbox's approved registrations. */
  let expected: string[];
  beforeAll(async () => {
    w = await startFederationWorld({ individuals: INDIVIDUALS });
    await w.addDataSource('dr', ENVELOPE);
    admin = await w.t.token(['programs:admin', 'registry:read']);
    const approved = new Set(w.sandbox.data.disabilities.filter((d) => d.disabilityStatus === 'Approved').map((d) => d.uin));
    const people = await w.t.gateway.models.Individual.find({}, { birthDate: 1, identifiers: 1 }).lean();
    const now = new Date();
    expected = people
      .filter((p) => p.birthDate && ageInYears(p.birthDate, now) >= 18 && p.identifiers.some((i) => i.type === 'UIN' && approved.has(i.value)))
      .map((p) => `${p._id}`)
      .sort();
  });
  afterAll(async () => {
    await w?.stop();
  });

  /** DR searches (its token endpoint aside). */
  const drCalls = () => w.calls('dr', '/registry/sync/disabled') + w.calls('dr', '/registry/sync/get-disability-details');
  const ids = (edges: { node: { id: string } }[]) => edges.map((e) => e.node.id).sort();

  it('needs registry:pii to evaluate or explain it', async () => {
    const program = ok(await w.t.gql(CREATE, { input: { name: 'Disability (scopes)', rule: RULE } }, admin)).createProgram;
    expect(program.requiredScopes).toEqual(['registry:read', 'registry:pii']);
    const reader = await w.t.token(READ);
    const before = drCalls();
    const refused = await w.t.gql(EVALUATE, { programId: program.id }, reader);
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect(codes(await w.t.gql(EXPLAIN, { programId: program.id, individualId: expected[0] }, reader))).toEqual(['FORBIDDEN']);
    expect(drCalls()).toBe(before);
  });

  it('from nothing, asks the partner in envelopes; then evaluates from stored values without asking', async () => {
    expect(expected.length).toBeGreaterThan(0);
    const program = ok(await w.t.gql(CREATE, { input: { name: 'Disability', rule: RULE } }, admin)).createProgram;
    const before = drCalls();
    const cold = ok(await w.t.gql(EVALUATE, { programId: program.id }, w.token)).evaluateEligibility;
    // Two DR operations (sync/disabled, sync/get-disability-details) per envelope of people with a UIN.
    const coldCalls = drCalls() - before;
    expect(coldCalls).toBeGreaterThan(0);
    expect(coldCalls).toBeLessThanOrEqual(2 * Math.ceil(INDIVIDUALS / ENVELOPE));
    expect(cold.record).toEqual({ population: INDIVIDUALS, strategy: 'database' });
    expect(ids(cold.edges)).toEqual(expected);
    expect(cold.counts.eligible).toBe(expected.length);
    expect(cold.counts.eligible + cold.counts.notEligible + cold.counts.unknown).toBe(INDIVIDUALS);

    const warm = ok(await w.t.gql(EVALUATE, { programId: program.id }, w.token)).evaluateEligibility;
    expect(warm.counts).toEqual(cold.counts);
    expect(drCalls() - before).toBe(coldCalls);

    // The same rule where the database cannot run it: the same people, still no call.
    const inGateway = ok(await w.t.gql(CREATE, { input: { name: 'Disability (in the gateway)', rule: 'age_years + 0.0 >= 18.0 && dr.has_disability' } }, admin)).createProgram;
    const node = ok(await w.t.gql(EVALUATE, { programId: inGateway.id }, w.token)).evaluateEligibility;
    expect(node.record.strategy).toBe('node');
    expect(node.counts).toEqual(cold.counts);
    expect(ids(node.edges)).toEqual(expected);
    expect(drCalls() - before).toBe(coldCalls);
  });

  it('fails, and records nothing, when a value whose policy is fail cannot be obtained', async () => {
    // No IBR is onboarded: whether someone is enrolled elsewhere cannot be checked.
    const program = ok(await w.t.gql(CREATE, { input: { name: 'Not enrolled elsewhere', rule: '!ibr.enrolled_elsewhere' } }, admin)).createProgram;
    const res = await w.t.gql(EVALUATE, { programId: program.id }, w.token);
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'UNAVAILABLE', reason: 'INDICATOR_FAILED', indicator: 'ibr.enrolled_elsewhere' });
    expect(await w.t.gateway.models.EligibilityEvaluation.countDocuments({ program: program.id })).toBe(0);
  });

  it('explains a result with the partner value that decided it, its source and freshness', async () => {
    const program = ok(await w.t.gql(CREATE, { input: { name: 'Disability (explained)', rule: RULE } }, admin)).createProgram;
    const explained = ok(await w.t.gql(EXPLAIN, { programId: program.id, individualId: expected[0] }, w.token)).explainEligibility;
    expect(explained).toEqual({
      result: 'eligible',
      indicators: [
        { indicator: 'age_years', value: expect.stringMatching(/^\d+$/), outcome: 'ok', source: 'registry', stale: false, decisive: true },
        { indicator: 'dr.has_disability', value: 'true', outcome: 'ok', source: 'dr-sandbox', stale: false, decisive: true },
      ],
    });
  });
});
