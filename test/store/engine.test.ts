import { Types } from 'mongoose';
import type { Document } from 'mongodb';
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

  it('answers an _id list exactly, with ObjectIds, strings, and lists it cannot match by set', async () => {
    const col = store.connection.db!.collection('id_lists');
    const oids = Array.from({ length: 50 }, () => new Types.ObjectId());
    await col.insertMany(<Document[]>[...oids.map((_id, n) => ({ _id, n })), ...['a', 'b', 'c'].map((_id, n) => ({ _id, n: 100 + n })), { _id: 7, n: 200 }]);
    const wanted = oids.filter((_, i) => i % 3 === 0);
    const byOid = await col.find({ _id: { $in: [...wanted, new Types.ObjectId()] } } as Document).toArray();
    expect(byOid.map((d) => d.n).sort((a, b) => a - b)).toEqual(wanted.map((_, i) => i * 3));
    expect((await col.find({ _id: { $in: ['b', 'z'] } } as Document).toArray()).map((d) => d.n)).toEqual([101]);
    // A number in the list: matched the engine's own way (7 equals 7.0).
    expect((await col.find({ _id: { $in: [7.0, 'c'] } } as Document).toArray()).map((d) => d.n).sort()).toEqual([102, 200]);
    // The list with another condition: both hold.
    expect(await col.countDocuments({ _id: { $in: wanted }, n: { $gte: 30 } } as Document)).toBe(wanted.filter((_, i) => i * 3 >= 30).length);
  });

  it('turns unready when the engine stops', async () => {
    await store.engine?.stop();
    await expect(store.ready()).resolves.toBe(false);
  });
});
