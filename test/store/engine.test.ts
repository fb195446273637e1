import { startTestStore, TestStore } from '../support/store';

describe('embedded engine', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await startTestStore();
  });
  afterAll(async () => {
    await store.close();
  });

  it('answers over the wire and reports ready', async () => {
    await expect(store.ready()).resolves.toBe(true);
    const col = store.connection.db!.collection('probe');
    await col.insertOne({ a: 1 });
    expect(await col.countDocuments({ a: 1 })).toBe(1);
  });

  it('turns unready when the engine stops', async () => {
    await store.engine?.stop();
    await expect(store.ready()).resolves.toBe(false);
  });
});
