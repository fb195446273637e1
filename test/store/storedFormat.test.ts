/**
 * The mongo-java-server launcher writes documents as BSON and orders index keys value by value
 * (src/store/mongoJavaServer/DurableEngine.java). A store written before, with H2's Java
 * serialization and its byte order for keys, must open unchanged: the fixture is such a store,
 * written by the launcher of commit 7963fdd (a collection of 119 people with two unique indexes,
 * one updated and one deleted, and 40 claims with string ids).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import mongoose from 'mongoose';
import { createLogger } from '../../src/log';
import { EmbeddedEngine, engineFromEnv, startEmbeddedEngine } from '../../src/store/engine';

const log = createLogger('silent');
const FIXTURE = path.join(__dirname, 'fixtures', 'h2-serialized-objects.mv.db.gz');
const oid = (n: number) => new mongoose.Types.ObjectId(`65a0000000000000000000${n.toString(16).padStart(2, '0')}`);

const onJavaEngine = engineFromEnv() === 'mongo-java-server' && !process.env.TEST_MONGODB_URI ? describe : describe.skip;

onJavaEngine('a store written in the older format', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-format-'));
  let engine: EmbeddedEngine | undefined;
  beforeAll(() => {
    fs.mkdirSync(path.join(dataDir, 'mongo-java-server'));
    fs.writeFileSync(path.join(dataDir, 'mongo-java-server', 'dci.mv.db'), zlib.gunzipSync(fs.readFileSync(FIXTURE)));
  });
  afterAll(async () => {
    await engine?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function open() {
    engine = await startEmbeddedEngine(dataDir, log);
    const client = await mongoose.mongo.MongoClient.connect(engine.uri);
    return { client, db: client.db('legacy') };
  }

  /** What the fixture holds, read through every index, whatever was written since. */
  async function expectFixture(db: mongoose.mongo.Db) {
    const people = db.collection('people');
    const seventeen = await people.findOne({ _id: oid(17) });
    expect(seventeen).toMatchObject({ code: 'P-17', kind: 'child', n: 17, name: { given: 'Given17', family: 'Banda' }, born: new Date(Date.UTC(1980, 0, 18)), score: 17.5, active: false, none: null, tags: ['a', 17, { deep: [17] }] });
    expect(String(seventeen!.big)).toBe(String(2 ** 40 + 17));
    expect(await people.findOne({ code: 'P-7' })).toMatchObject({ _id: oid(7), n: 1007, name: { given: 'Seven' } });
    expect(await people.findOne({ code: 'P-8' })).toBeNull();
    expect(await people.findOne({ kind: 'adult', n: 99 })).toMatchObject({ _id: oid(99) });
    expect((await people.find({ _id: { $in: [oid(1), oid(2), oid(8), oid(119)] } }).toArray()).map((p) => p.code).sort()).toEqual(['P-1', 'P-119', 'P-2']);
    expect(await people.countDocuments({ n: { $lt: 120 } })).toBe(118);
    const claims = db.collection<{ _id: string; registrant: mongoose.Types.ObjectId }>('claims');
    expect(await claims.findOne({ _id: 'UIN:1020' })).toEqual({ _id: 'UIN:1020', registrant: oid(20) });
    expect(await claims.countDocuments({})).toBe(40);
  }

  it('is read as written, its unique indexes hold, and it takes new writes across restarts', async () => {
    let { client, db } = await open();
    await expectFixture(db);
    const people = db.collection('people');
    await expect(people.insertOne({ code: 'P-5', kind: 'new', n: 1 })).rejects.toMatchObject({ code: 11000 });
    await expect(people.insertOne({ code: 'P-new', kind: 'adult', n: 3 })).rejects.toMatchObject({ code: 11000 });
    await expect(db.collection('claims').insertOne({ _id: 'UIN:1003' as never })).rejects.toMatchObject({ code: 11000 });
    await people.insertOne({ _id: oid(200), code: 'P-200', kind: 'adult', n: 200, name: { given: 'New' } });
    await people.updateOne({ code: 'P-17' }, { $set: { kind: 'adult' } });
    await people.deleteOne({ code: 'P-30' });
    await client.close();
    await engine!.stop();

    ({ client, db } = await open());
    const reopened = db.collection('people');
    expect(await reopened.findOne({ code: 'P-200' })).toMatchObject({ _id: oid(200), name: { given: 'New' } });
    expect(await reopened.findOne({ kind: 'adult', n: 17 })).toMatchObject({ _id: oid(17) });
    expect(await reopened.findOne({ kind: 'child', n: 17 })).toBeNull();
    expect(await reopened.findOne({ code: 'P-30' })).toBeNull();
    await expect(reopened.insertOne({ code: 'P-31', kind: 'x', n: 0 })).rejects.toMatchObject({ code: 11000 });
    // The freed keys are free again.
    await reopened.insertOne({ code: 'P-30', kind: 'child', n: 17 });
    expect(await reopened.countDocuments({})).toBe(120);
    await client.close();
  });
});
