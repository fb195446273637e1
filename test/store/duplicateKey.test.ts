import mongoose from 'mongoose';
import type { Collection } from 'mongodb';
import { isDuplicateKey, onlyDuplicates, writeFailuresOf } from '../../src/store/duplicateKey';
import { startTestStore, TestStore } from '../support/store';

/** Reads each refusal as this engine, the driver and mongoose report it: the callers rely on the shape. */
describe('duplicateKey: writes a unique index refused, as each client reports them', () => {
  let store: TestStore;
  let rows: Collection;
  interface RowDoc {
    _id: string;
    key: string;
    at?: number;
  }
  let Row: mongoose.Model<RowDoc>;
  const refusal = (write: Promise<unknown>): Promise<unknown> =>
    write.then(
      () => {
        throw new Error('the write was accepted');
      },
      (error: unknown) => error,
    );

  beforeAll(async () => {
    store = await startTestStore();
    Row = store.connection.model('DuplicateKeyRow', new mongoose.Schema<RowDoc>({ _id: String, key: String, at: Number }, { collection: 'duplicate_rows' }));
    rows = Row.collection as unknown as Collection;
    await rows.createIndex({ key: 1 }, { unique: true });
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    await rows.deleteMany({});
    await rows.insertOne({ _id: 'taken' as never, key: 'k', at: 5 });
  });

  it('an insert of a taken _id', async () => {
    const error = await refusal(rows.insertOne({ _id: 'taken' as never, key: 'other' }));
    expect(isDuplicateKey(error)).toBe(true);
    expect(onlyDuplicates(error)).toBe(true);
  });

  it("the driver's unordered insert names the positions refused, and stores the rest", async () => {
    const error = await refusal(rows.insertMany([{ _id: 'a', key: 'a' }, { _id: 'taken', key: 't' }, { _id: 'b', key: 'b' }, { _id: 'c', key: 'k' }] as never[], { ordered: false }));
    expect(writeFailuresOf(error)).toEqual([
      { index: 1, duplicate: true },
      { index: 3, duplicate: true },
    ]);
    expect(onlyDuplicates(error)).toBe(true);
    expect(await rows.countDocuments({})).toBe(3);
  });

  it("mongoose's unordered insert, which copies the driver's errors into plain objects", async () => {
    const error = await refusal(Row.insertMany([{ _id: 'taken', key: 't' }, { _id: 'a', key: 'a' }, { _id: 'b', key: 'k' }], { ordered: false }));
    expect(writeFailuresOf(error)).toEqual([
      { index: 0, duplicate: true },
      { index: 2, duplicate: true },
    ]);
    expect(onlyDuplicates(error)).toBe(true);
  });

  it('an upsert in an unordered bulk write that inserts a key already held', async () => {
    const error = await refusal(rows.bulkWrite([{ updateOne: { filter: { key: 'k', at: { $lt: 3 } }, update: { $set: { at: 3 } }, upsert: true } }], { ordered: false }));
    expect(onlyDuplicates(error)).toBe(true);
    expect(await rows.findOne({ key: 'k' })).toMatchObject({ _id: 'taken', at: 5 });
  });

  it('is not a duplicate: a write that fails for another reason', async () => {
    const error = await refusal(rows.updateOne({ _id: 'taken' as never }, { $inc: { key: 1 } }));
    expect(isDuplicateKey(error)).toBe(false);
    expect(onlyDuplicates(error)).toBe(false);
  });

  it('is not only duplicates: an unordered insert whose command fails as a whole', async () => {
    const error = await refusal(rows.insertMany([{ _id: 'taken', key: 't' }, { _id: 'big', key: 'big', blob: 'x'.repeat(17 * 1024 * 1024) }] as never[], { ordered: false }));
    expect(onlyDuplicates(error)).toBe(false);
  });
});
