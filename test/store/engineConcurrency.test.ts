/**
 * What our mongo-java-server launcher adds to the engine, checked on the real engine (and on
 * FerretDB, which must give the same answers): queries that hold a unique key and more return
 * exactly the matching documents, and collections and indexes created while other connections
 * write to them fail nothing but genuine duplicates.
 */
import mongoose from 'mongoose';
import { startTestStore, TestStore } from '../support/store';

describe('the embedded engine under our launcher', () => {
  let store: TestStore;
  let second: mongoose.mongo.MongoClient;
  beforeAll(async () => {
    store = await startTestStore();
    second = await mongoose.mongo.MongoClient.connect(store.engine?.uri ?? process.env.TEST_MONGODB_URI!, {});
  });
  afterAll(async () => {
    await second.close();
    await store.close();
  });

  it('answers a query on _id (or a unique key) plus other fields exactly', async () => {
    const col = store.connection.db!.collection<{ _id: number; version: number; slot: string }>('versioned');
    await col.createIndex({ slot: 1 }, { unique: true });
    await col.insertMany(Array.from({ length: 30 }, (_, i) => ({ _id: i, version: i % 3, slot: `s${i}` })));
    expect(await col.findOne({ _id: 4, version: 1 })).toEqual({ _id: 4, version: 1, slot: 's4' });
    expect(await col.findOne({ _id: 4, version: 2 })).toBeNull();
    expect((await col.find({ _id: { $in: [1, 2, 3, 4, 5] }, version: 2 }).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual([2, 5]);
    expect((await col.find({ slot: 's7', version: { $gte: 1 } }).toArray()).map((d) => d._id)).toEqual([7]);
    expect((await col.updateOne({ _id: 7, version: 0 }, { $inc: { version: 1 } })).modifiedCount).toBe(0);
    expect((await col.updateOne({ _id: 7, version: 1 }, { $inc: { version: 1 } })).modifiedCount).toBe(1);
    expect(await col.countDocuments({ _id: { $in: [7, 8] }, version: 2 })).toBe(2);
  });

  it('creates collections and indexes while other connections write to them, failing only duplicates', async () => {
    const failures: string[] = [];
    for (let k = 0; k < 40; k++) {
      const name = `race${k}`;
      const results = await Promise.allSettled([
        store.connection.db!.collection(name).insertOne({ a: k }),
        second.db().collection(name).insertOne({ a: k + 1 }),
        store.connection.db!.collection(name).createIndex({ a: 1 }, { unique: true }),
        second.db().collection(name).updateOne({ a: -1 }, { $set: { b: 1 } }, { upsert: true }),
        second.db().collection(name).countDocuments({}),
      ]);
      for (const r of results) if (r.status === 'rejected' && (r.reason as { code?: number }).code !== 11000) failures.push(`${name}: ${(r.reason as Error).message}`);
    }
    expect(failures).toEqual([]);
  });
});
