import { freshReads } from '../../src/store/freshReads';

/** A read whose answers the test releases one by one; each answers the value stored when it started. */
function controlledReads() {
  const stored = new Map<string, number>();
  const started: { key: string; value: number; release: () => void; fail: (e: Error) => void }[] = [];
  const read = (key: string) =>
    new Promise<number>((resolve, reject) => {
      const value = stored.get(key) ?? 0;
      started.push({ key, value, release: () => resolve(value), fail: reject });
    });
  return { stored, started, read };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('freshReads: shared reads that never answer older than the call', () => {
  it('reads at once for a call made while no read of its key is out', async () => {
    const { started, read } = controlledReads();
    const get = freshReads(read);
    const first = get('a');
    expect(started).toHaveLength(1);
    started[0].release();
    await expect(first).resolves.toBe(0);
    const second = get('a');
    expect(started).toHaveLength(2);
    started[1].release();
    await second;
  });

  it('has calls made while a read is out share one read that starts after it ends', async () => {
    const { stored, started, read } = controlledReads();
    const get = freshReads(read);
    const first = get('a');
    // Changed after the first read started: the calls below must see it.
    stored.set('a', 1);
    const waiting = [get('a'), get('a'), get('a')];
    expect(started).toHaveLength(1);
    started[0].release();
    await expect(first).resolves.toBe(0);
    await settled();
    expect(started).toHaveLength(2);
    started[1].release();
    await expect(Promise.all(waiting)).resolves.toEqual([1, 1, 1]);
  });

  it('keeps keys apart', async () => {
    const { started, read } = controlledReads();
    const get = freshReads(read);
    const a = get('a');
    const b = get('b');
    expect(started.map((s) => s.key)).toEqual(['a', 'b']);
    started.forEach((s) => s.release());
    await Promise.all([a, b]);
  });

  it('fails the callers of a failed read, and the next call reads again', async () => {
    const { started, read } = controlledReads();
    const get = freshReads(read);
    const first = get('a');
    const shared = [get('a'), get('a')];
    started[0].release();
    await first;
    await settled();
    started[1].fail(new Error('engine gone'));
    for (const call of shared) await expect(call).rejects.toThrow('engine gone');
    const after = get('a');
    expect(started).toHaveLength(3);
    started[2].release();
    await expect(after).resolves.toBe(0);
  });

  it('queues a call made while the shared read is out for the read after it', async () => {
    const { stored, started, read } = controlledReads();
    const get = freshReads(read);
    const first = get('a');
    const second = get('a');
    started[0].release();
    await first;
    await settled();
    // The shared read (started[1]) is out; a change and a call now must wait for a third read.
    stored.set('a', 2);
    const third = get('a');
    started[1].release();
    await expect(second).resolves.toBe(0);
    await settled();
    expect(started).toHaveLength(3);
    started[2].release();
    await expect(third).resolves.toBe(2);
  });
});
