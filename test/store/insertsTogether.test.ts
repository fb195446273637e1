import type { Collection } from 'mongodb';
import { insertsTogether } from '../../src/store/insertsTogether';
import { startTestStore, TestStore } from '../support/store';

interface Row {
  _id: string;
  n: number;
}

describe('insertsTogether: concurrent inserts in one command, each caller told of its own duplicates', () => {
  let store: TestStore;
  let rows: Collection;
  beforeAll(async () => {
    store = await startTestStore();
    rows = store.connection.db!.collection('together_rows');
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    await rows.deleteMany({});
  });

  it('sends an insert at once, and the ones given meanwhile together in the next command', async () => {
    const insert = insertsTogether<Row>(rows);
    const before = store.commandCount();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => insert([{ _id: `r${i}`, n: i }, { _id: `s${i}`, n: i }])));
    expect(store.commandCount() - before).toBe(2);
    expect(results.every((duplicates) => duplicates.length === 0)).toBe(true);
    expect(await rows.countDocuments({})).toBe(40);
  });

  it("tells each caller which of its own documents were duplicates, and stores everyone else's", async () => {
    await rows.insertOne({ _id: 'taken' as never, n: 0 });
    const insert = insertsTogether<Row>(rows);
    const [first, second, third, fourth] = await Promise.all([
      insert([{ _id: 'a', n: 1 }]),
      insert([{ _id: 'b', n: 2 }, { _id: 'taken', n: 2 }, { _id: 'c', n: 2 }]),
      insert([{ _id: 'd', n: 3 }]),
      // The same key as a caller before it in the same command: the first one given wins.
      insert([{ _id: 'd', n: 4 }, { _id: 'e', n: 4 }]),
    ]);
    expect({ first, second, third, fourth }).toEqual({ first: [], second: [1], third: [], fourth: [0] });
    const stored = await rows.find({}).sort({ _id: 1 }).toArray();
    expect(stored).toEqual([
      { _id: 'a', n: 1 },
      { _id: 'b', n: 2 },
      { _id: 'c', n: 2 },
      { _id: 'd', n: 3 },
      { _id: 'e', n: 4 },
      { _id: 'taken', n: 0 },
    ]);
  });

  it('fails every caller of a command that fails, and serves the next callers afresh', async () => {
    const insert = insertsTogether<Row & { blob?: string }>(rows);
    const first = insert([{ _id: 'w', n: 1 }]);
    // Given while the first is out, so sent together: a document over the 16 MiB limit fails the command.
    const together = Promise.allSettled([insert([{ _id: 'x', n: 2, blob: 'x'.repeat(17 * 1024 * 1024) }]), insert([{ _id: 'y', n: 2 }])]);
    await expect(first).resolves.toEqual([]);
    expect((await together).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(insert([{ _id: 'z', n: 3 }])).resolves.toEqual([]);
    expect((await rows.find({}).sort({ _id: 1 }).toArray()).map((r) => r._id)).toEqual(['w', 'z']);
  });
});
