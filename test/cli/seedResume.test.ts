/**
 * A demo seed stopped part-way (SIGKILL, Ctrl-C) is completed by the next run: `dci-gateway seed`
 * with the same seed and size, or `serve --demo`. Each run is the built CLI in a child process on
 * its own DATA_DIR; the test watches the database through the engine the child started.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { createLogger } from '../../src/log';
import { openStore } from '../../src/store/connection';
import { registryModels, RegistryModels } from '../../src/store/models';
import { CliRun, spawnCli } from '../support/cli';

const dirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-seed-resume-'));
  dirs.push(dir);
  return dir;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The address of the engine a running CLI process holds for `dataDir` (its DATA_DIR lock names it). */
async function engineUri(dataDir: string, running: Promise<unknown>): Promise<string> {
  let ended = false;
  void running.then(() => (ended = true));
  while (!ended) {
    try {
      const holder = JSON.parse(fs.readFileSync(path.join(dataDir, 'engine.lock'), 'utf8')) as { uri?: string };
      if (holder.uri) return holder.uri;
    } catch {
      // not written yet
    }
    await sleep(50);
  }
  throw new Error('the process ended before its engine was up');
}

/** Starts `args` and stops it with `signal` once some, but not all, individuals are written. */
async function interrupt(args: string[], dataDir: string, total: number, signal: NodeJS.Signals): Promise<{ seenBeforeStop: number; run: CliRun }> {
  const { child, done } = spawnCli(args, dataDir, { LOG_LEVEL: 'warn' });
  const connection = await mongoose.createConnection(await engineUri(dataDir, done)).asPromise();
  try {
    const people = registryModels(connection).Individual;
    for (;;) {
      const seen = await people.countDocuments({});
      if (seen > 0) {
        child.kill(signal);
        const run = await done;
        expect(seen).toBeLessThan(total);
        return { seenBeforeStop: seen, run };
      }
      await sleep(20);
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Opens the data directory once no process holds it, and hands its models to `check`. */
async function inspect<T>(dataDir: string, check: (models: RegistryModels) => Promise<T>): Promise<T> {
  const store = await openStore({ dataDir, log: createLogger('silent') });
  try {
    return await check(registryModels(store.connection));
  } finally {
    await store.close();
  }
}

/** Everyone is a current member of exactly one household, and the three places that say so agree. */
async function expectComplete(dataDir: string, individuals: number) {
  await inspect(dataDir, async (m) => {
    const people = await m.Individual.find({}, { groups: 1, identifiers: 1 }).lean();
    const groups = await m.Group.find({}, { members: 1, size: 1 }).lean();
    const memberships = await m.Membership.find({ endDate: null }).lean();
    expect(people).toHaveLength(individuals);
    expect(memberships).toHaveLength(individuals);
    expect(new Set(memberships.map((x) => `${x.individual}`)).size).toBe(individuals);
    for (const p of people) expect(p.groups.map((g) => `${g._id}`)).toEqual([`${memberships.find((x) => x.individual.equals(p._id))!._id}`]);
    expect(groups.reduce((n, g) => n + g.members.length, 0)).toBe(individuals);
    for (const g of groups) expect(g.size).toBe(g.members.length);
    expect(await m.IdentifierClaim.countDocuments({})).toBe(people.reduce((n, p) => n + p.identifiers.length, 0) + groups.length);
    expect(await m.SeedRun.findById('demo').lean()).toMatchObject({ done: true, individuals });
  });
}

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('an interrupted demo seed', () => {
  const SEED = ['seed', '--individuals', '1500', '--seed', '4'];

  it.each([['SIGKILL'], ['SIGINT']] as const)('`seed` stopped by %s is completed by the same `seed`, without duplicate-key errors', async (signal) => {
    const dataDir = tempDir();
    const { run } = await interrupt(SEED, dataDir, 1500, signal);
    expect(run.code).not.toBe(0);

    const again = await spawnCli(SEED, dataDir).done;
    expect(again.stderr).not.toMatch(/E11000|duplicate key/i);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ individuals: 1500 });
    await expectComplete(dataDir, 1500);

    const refused = await spawnCli(SEED, dataDir).done;
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/seed refused: the registry is not empty/);
  }, 300_000);

  it('`seed` of another seed or size refuses to touch an interrupted one and names it', async () => {
    const dataDir = tempDir();
    await interrupt(SEED, dataDir, 1500, 'SIGKILL');
    const other = await spawnCli(['seed', '--individuals', '300'], dataDir).done;
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/seed refused: the registry holds an interrupted seed of 1500 individuals with seed 4/);
  }, 300_000);

  it.each([['SIGKILL'], ['SIGINT']] as const)('`serve --demo` stopped by %s while seeding completes the seed on its next start', async (signal) => {
    const dataDir = tempDir();
    const env = { PORT: '0', LOG_LEVEL: 'warn' };
    const { run } = await interrupt(['serve', '--demo', '--no-sandbox'], dataDir, 2000, signal);
    expect(run.stdout).not.toMatch(/listening on/);

    const serve = spawnCli(['serve', '--demo', '--no-sandbox'], dataDir, env);
    let listening = false;
    serve.child.stdout.on('data', (chunk: Buffer) => {
      if (`${chunk}`.includes('listening on') && !listening) {
        listening = true;
        serve.child.kill('SIGTERM');
      }
    });
    const second = await serve.done;
    expect(listening).toBe(true);
    expect(second.stderr).not.toMatch(/E11000|duplicate key/i);
    expect(second.code).toBe(0);
    await expectComplete(dataDir, 2000);
  }, 300_000);
});
