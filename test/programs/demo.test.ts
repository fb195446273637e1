/** The demo's sample programme (`npm start`): created once, on a new or an existing registry, and left as an operator changed it. */
import { createLogger } from '../../src/log';
import { DEMO_PROGRAM, ensureDemoProgram } from '../../src/programs/demo';
import { updateProgram } from '../../src/programs/programs';
import { registryModels, syncIndexes } from '../../src/store/models';
import { startTestStore, TestStore } from '../support/store';

describe('the demo programme', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await startTestStore();
    await syncIndexes(store.connection);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('is created once, and an operator’s change of it is kept', async () => {
    const models = registryModels(store.connection);
    const log = createLogger('silent');
    await ensureDemoProgram(models, log);
    await ensureDemoProgram(models, log);
    const programs = await models.Program.find().lean();
    expect(programs).toEqual([expect.objectContaining({ name: DEMO_PROGRAM.name, rule: DEMO_PROGRAM.rule, version: 1 })]);

    await updateProgram(models, `${programs[0]!._id}`, 1, { rule: 'age_years >= 21 && dr.has_disability' }, new Date(), 'operator');
    await ensureDemoProgram(models, log);
    expect(await models.Program.find().lean()).toEqual([expect.objectContaining({ name: DEMO_PROGRAM.name, rule: 'age_years >= 21 && dr.has_disability', version: 2 })]);
  });
});
