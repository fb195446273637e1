/**
 * `dci-gateway programs` and `dci-gateway eligibility` as an operator runs them: the built CLI in a
 * child process on a throwaway DATA_DIR with the embedded engine, over a seeded registry.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ageInYears } from '../../src/indicators/derivations';
import { createLogger } from '../../src/log';
import { openStore } from '../../src/store/connection';
import { registryModels } from '../../src/store/models';
import { runCli as cli } from '../support/cli';

const RULE = 'age_years >= 18.0 && !is_deceased';

describe('dci-gateway programs and eligibility', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-programs-cli-'));
    expect(await cli(['seed', '--individuals', '60', '--seed', '3'], dataDir)).toMatchObject({ code: 0 });
  }, 120_000);
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('programs add checks the rule, saves the programme and prints it; programs list lists it', async () => {
    const bad = await cli(['programs', 'add', '--name', 'Adults', '--rule', 'age_years >= 18.0 &&\n  dr.severity("smell") > 1.0'], dataDir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`BAD_USER_INPUT: input.rule: line 2, column 3: dr.severity('smell'): the argument must be one of 'vision', 'hearing', 'mobility', 'cognition'`);
    expect(bad.stdout).toBe('');

    const added = await cli(['programs', 'add', '--name', 'Adults', '--rule', RULE], dataDir);
    expect(added).toMatchObject({ code: 0 });
    expect(JSON.parse(added.stdout)).toEqual({ id: expect.any(String), name: 'Adults', version: 1, rule: RULE, indicators: ['age_years', 'is_deceased'], updatedAt: expect.any(String) });

    const twice = await cli(['programs', 'add', '--name', 'Adults', '--rule', RULE], dataDir);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('CONFLICT: a programme named "Adults" already exists');

    const listed = await cli(['programs', 'list'], dataDir);
    expect(listed).toMatchObject({ code: 0 });
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ name: 'Adults', version: 1, rule: RULE })]);
  }, 120_000);

  it('eligibility prints the counts of the registry or of one area, as the registry says', async () => {
    const store = await openStore({ dataDir, log: createLogger('silent') });
    let expected: { all: { eligible: number; notEligible: number; unknown: number }; area: string; inArea: number };
    try {
      const people = await registryModels(store.connection).Individual.find({}, { birthDate: 1, status: 1, areaCode: 1 }).lean();
      const now = new Date();
      const adult = (p: (typeof people)[number]) => p.status !== 'deceased' && p.birthDate !== undefined && ageInYears(p.birthDate, now) >= 18;
      const undated = people.filter((p) => !p.birthDate && p.status !== 'deceased').length;
      const eligible = people.filter(adult).length;
      const area = people[0]!.areaCode!;
      expected = { all: { eligible, notEligible: people.length - eligible - undated, unknown: undated }, area, inArea: people.filter((p) => p.areaCode === area).length };
    } finally {
      await store.close();
    }

    const all = await cli(['eligibility', '--program', 'Adults'], dataDir);
    expect(all).toMatchObject({ code: 0 });
    expect(JSON.parse(all.stdout)).toEqual({
      program: 'Adults', ruleVersion: 1, rule: RULE, area: null, population: 60, ...expected.all, strategy: 'database', seconds: expect.any(Number),
    });

    const inArea = JSON.parse((await cli(['eligibility', '--program', 'Adults', '--area', expected.area], dataDir)).stdout);
    expect(inArea).toMatchObject({ area: expected.area, population: expected.inArea });
    expect(inArea.eligible + inArea.notEligible + inArea.unknown).toBe(expected.inArea);

    const unknown = await cli(['eligibility', '--program', 'Nobody'], dataDir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND: programme "Nobody" not found');
  }, 120_000);
});
