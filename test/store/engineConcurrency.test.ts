/**
 * What our mongo-java-server launcher adds to the engine, checked on the real engine (and on
 * FerretDB, which must give the same answers): queries that hold a unique key and more return
 * exactly the matching documents, collections and indexes created while other connections
 * write to them fail nothing but genuine duplicates, unique keys of every kind of value hold
 * under writers on many connections at once, and a find answers with its documents as they matched
 * while other connections update them.
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

  // mongo-java-server changed stored documents in place while finds still held them for their answer
  // (a projection copies them, so the test reads whole documents):
  // a find for due jobs answered with a job another worker had just claimed, and the job ran twice.
  it('answers a find with its documents as they matched while another connection updates them', async () => {
    const name = 'flipping';
    const pad = 'x'.repeat(2000); // larger answers take longer to encode: a wider window for the race
    const reader = store.connection.db!.collection<{ _id: number; state: string; flips: number; pad: string }>(name);
    await reader.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: i, state: 'idle', flips: 0, pad })));
    const writer = second.db().collection<{ _id: number; state: string; flips: number; pad: string }>(name);
    let reading = true;
    const flipping = (async () => {
      for (let i = 0; reading; i = (i + 1) % 200) {
        await writer.updateOne({ _id: i }, { $set: { state: 'busy' }, $inc: { flips: 1 } });
        await writer.findOneAndUpdate({ _id: i }, { $set: { state: 'idle' } });
      }
    })();
    const mismatched: unknown[] = [];
    try {
      for (let n = 0; n < 400; n++) {
        const found = await reader.find({ state: 'idle' }).toArray();
        mismatched.push(...found.filter((d) => d.state !== 'idle').map((d) => ({ _id: d._id, state: d.state })));
      }
    } finally {
      reading = false;
      await flipping;
    }
    expect(mismatched).toEqual([]);
    // FerretDB scans for each find: 400 of them took over a minute on a loaded CI machine.
  }, 180_000);

  // The launcher orders unique keys part by part, by kind (null, numbers, strings, ObjectIds, anything
  // else by its serialization): equal keys must collide and different ones never, under concurrent writers.
  it('keeps unique keys of mixed kinds exact while many connections write and read at once', async () => {
    const clients = await Promise.all(Array.from({ length: 6 }, () => mongoose.mongo.MongoClient.connect(store.engine?.uri ?? process.env.TEST_MONGODB_URI!, {})));
    try {
      const name = 'mixed_keys';
      const perClient = 60;
      await store.connection.db!.collection(name).createIndex({ kind: 1, key: 1 }, { unique: true });
      // One null per client (a second one would be a genuine duplicate), then the other kinds in turn.
      const keyOf = (n: number) => (n % perClient === 0 ? null : [n, `k${n}`, new mongoose.Types.ObjectId(n.toString(16).padStart(24, '0')), { n }, n + 0.5][n % 5]);
      const errors: string[] = [];
      await Promise.all(
        clients.map(async (client, c) => {
          const col = client.db(store.connection.db!.databaseName).collection(name);
          for (let i = 0; i < perClient; i++) {
            const n = c * perClient + i;
            await col.insertOne({ kind: `c${c}`, key: keyOf(n), n }).catch((e: Error) => errors.push(`insert ${n}: ${e.message}`));
            // The same key again is a duplicate, whatever its kind.
            await col.insertOne({ kind: `c${c}`, key: keyOf(n), n: -1 }).then(
              () => errors.push(`duplicate ${n} accepted`),
              (e: { code?: number; message: string }) => e.code === 11000 || errors.push(`duplicate ${n}: ${e.message}`),
            );
            const found = await col.findOne({ kind: `c${c}`, key: keyOf(n) });
            if (found?.n !== n) errors.push(`lookup ${n}: ${JSON.stringify(found)}`);
          }
        }),
      );
      expect(errors).toEqual([]);
      expect(await store.connection.db!.collection(name).countDocuments({})).toBe(clients.length * perClient);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});
