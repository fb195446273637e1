/** `dci-gateway indicators refresh` as an operator runs it: the built CLI in a child process over a seeded registry. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/log';
import { openStore } from '../../src/store/connection';
import { registryModels } from '../../src/store/models';
import { runCli as cli } from '../support/cli';

describe('dci-gateway indicators refresh', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-indicators-cli-'));
    expect(await cli(['seed', '--individuals', '60', '--seed', '5'], dataDir)).toMatchObject({ code: 0 });
  }, 120_000);
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const stored = async (area?: string) => {
    const store = await openStore({ dataDir, log: createLogger('silent') });
    try {
      const models = registryModels(store.connection);
      const people = await models.Individual.countDocuments(area ? { areaCode: area } : {});
      const values = await models.IndicatorValues.find({}, { area: 1, 'v.age_years': 1, 'v.household_size': 1 }).lean();
      return { people, values, firstArea: (await models.Individual.findOne({}, { areaCode: 1 }).lean())!.areaCode! };
    } finally {
      await store.close();
    }
  };

  it('recomputes the named indicators of one area and prints what it did (its progress bar draws on a terminal only)', async () => {
    const { firstArea: area, people } = await stored();
    const inArea = (await stored(area)).people;
    expect(inArea).toBeLessThan(people);
    const run = await cli(['indicators', 'refresh', '--indicator', 'age_years', '--indicator', 'household_size', '--area', area], dataDir);
    expect(run).toMatchObject({ code: 0 });
    expect(JSON.parse(run.stdout)).toEqual({
      id: expect.any(String), indicators: ['age_years', 'household_size'], area, resumed: false, state: 'done', total: inArea, done: inArea, failed: 0, seconds: expect.any(Number),
    });
    const { values } = await stored();
    expect(values).toHaveLength(inArea);
    expect(values.every((v) => v.area === area && v.v.age_years && v.v.household_size)).toBe(true);
  }, 120_000);

  it('refuses an unknown indicator by name, with the known ones', async () => {
    const run = await cli(['indicators', 'refresh', '--indicator', 'wealth'], dataDir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('BAD_USER_INPUT: indicators: unknown indicator "wealth"; known: age_years');
    expect(run.stdout).toBe('');
  }, 60_000);
});
