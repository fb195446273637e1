/**
 * `dci-gateway seed` as an operator runs it: the built CLI in a child process, each run on its own
 * throwaway DATA_DIR with the embedded engine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/log';
import { openStore } from '../../src/store/connection';
import { registryModels } from '../../src/store/models';
import { runCli } from '../support/cli';

const dirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-seed-'));
  dirs.push(dir);
  return dir;
}

const cli = (args: string[], dataDir = tempDir()) => runCli(args, dataDir);

async function uins(dataDir: string): Promise<string[]> {
  const store = await openStore({ dataDir, log: createLogger('silent') });
  try {
    const values = (await registryModels(store.connection).IdentifierClaim.find({ 'identifier.type': 'UIN' }).lean()).map((c) => c.identifier.value);
    return values.sort();
  } finally {
    await store.close();
  }
}

async function seeded(seed: number): Promise<{ dataDir: string; summary: Record<string, unknown> }> {
  const dataDir = tempDir();
  const run = await cli(['seed', '--individuals', '300', '--seed', String(seed)], dataDir);
  expect(run).toMatchObject({ code: 0 });
  return { dataDir, summary: JSON.parse(run.stdout) };
}

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('dci-gateway seed', () => {
  let first: { dataDir: string; summary: Record<string, unknown> };

  beforeAll(async () => {
    first = await seeded(7);
  }, 120_000);

  it('prints only a JSON summary on stdout', () => {
    expect(first.summary).toEqual({ individuals: 300, groups: expect.any(Number), seconds: expect.any(Number) });
    expect(first.summary.groups).toBeGreaterThan(300 / 7);
    expect(first.summary.groups).toBeLessThanOrEqual(300);
  });

  it('writes the same people for the same seed and others for another seed', async () => {
    const again = await seeded(7);
    const other = await seeded(8);
    expect(again.summary).toMatchObject({ individuals: 300, groups: first.summary.groups });
    const [a, b, c] = await Promise.all([uins(first.dataDir), uins(again.dataDir), uins(other.dataDir)]);
    expect(a).toHaveLength(300);
    expect(b).toEqual(a);
    expect(c).toHaveLength(300);
    expect(c).not.toEqual(a);
  }, 120_000);

  it('refuses a registry that is not empty', async () => {
    const run = await cli(['seed', '--individuals', '10'], first.dataDir);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/seed refused: the registry is not empty/);
  }, 60_000);

  it.each([['0'], ['-5'], ['2.5'], ['ten']])('rejects --individuals %s', async (value) => {
    const run = await cli(['seed', '--individuals', value]);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/--individuals <n>.*N must be a positive integer/);
  });

  it('rejects a missing --individuals and a bad --seed', async () => {
    expect((await cli(['seed'])).stderr).toMatch(/required option '--individuals <n>' not specified/);
    const badSeed = await cli(['seed', '--individuals', '5', '--seed', 'x']);
    expect(badSeed.code).not.toBe(0);
    expect(badSeed.stderr).toMatch(/S must be a non-negative integer/);
  });

  it('is described by --help', async () => {
    const help = await cli(['seed', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: dci-gateway seed/);
    expect(help.stdout).toMatch(/--individuals <n>\s+number of individuals/);
    expect(help.stdout).toMatch(/--seed <s>/);
    expect((await cli(['--help'])).stdout).toMatch(/^\s+seed \[options\]\s+fill an empty registry/m);
  });
});
