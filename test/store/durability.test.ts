/**
 * Acknowledged writes are durable: the engine is killed with SIGKILL right after a run of
 * acknowledged writes of every kind, started again on the same files, and every write is there.
 * (mongo-java-server's H2 store commits on a delay; our launcher commits before it replies.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { createLogger } from '../../src/log';
import { EmbeddedEngine, startEmbeddedEngine } from '../../src/store/engine';

const log = createLogger('silent');

async function killed(engine: EmbeddedEngine): Promise<void> {
  const exited = new Promise<void>((resolve) => engine.onUnexpectedExit(resolve));
  process.kill(engine.pid, 'SIGKILL');
  await exited;
}

describe('the embedded engine after SIGKILL', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-durable-'));
  let engine: EmbeddedEngine | undefined;
  afterAll(async () => {
    await engine?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged insert, update, delete, findOneAndUpdate and index', async () => {
    engine = await startEmbeddedEngine(dataDir, log);
    let client = await mongoose.mongo.MongoClient.connect(engine.uri);
    let jobs = client.db().collection<{ _id: number; state: string; n: number }>('jobs');
    await jobs.createIndex({ state: 1, n: 1 }, { unique: true, name: 'state_n' });
    await jobs.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, state: 'pending', n: i })));
    for (let i = 0; i < 50; i += 2) await jobs.updateOne({ _id: i }, { $set: { state: 'done' } });
    await jobs.deleteOne({ _id: 49 });
    const claimed = await jobs.findOneAndUpdate({ _id: 1 }, { $set: { state: 'running' } });
    expect(claimed?._id).toBe(1);
    await jobs.updateOne({ _id: 3 }, { $set: { state: 'last' } }); // the last acknowledged write
    await killed(engine);
    await client.close(true);

    engine = await startEmbeddedEngine(dataDir, log);
    client = await mongoose.mongo.MongoClient.connect(engine.uri);
    jobs = client.db().collection('jobs');
    const rows = await jobs.find({}).sort({ _id: 1 }).toArray();
    expect(rows).toHaveLength(49);
    expect(rows.filter((r) => r.state === 'done').map((r) => r._id)).toEqual(Array.from({ length: 25 }, (_, i) => i * 2));
    expect(rows.find((r) => r._id === 1)?.state).toBe('running');
    expect(rows.find((r) => r._id === 3)?.state).toBe('last');
    expect((await jobs.indexes()).map((i) => i.name)).toContain('state_n');
    await client.close();
  });
});
