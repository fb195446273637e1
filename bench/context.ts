/**
 * What every benchmark runs against: a gateway on the embedded engine in a fresh DATA_DIR, seeded
 * with a synthetic registry, with its DCI background work paused, and a token that may read
 * personal data (so nothing is masked).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { Gateway, startGateway } from '../src/gateway';
import { createLogger } from '../src/log';
import { seedRegistry } from '../src/registry/seed';
import type { EngineName } from '../src/store/engine';

export const INDIVIDUALS = 20_000;
export const SEED = 1;

export interface BenchContext {
  gateway: Gateway;
  /** Bearer token with registry:read and registry:pii. */
  token: string;
  individuals: number;
  groups: number;
  /** The embedded engine it runs on, and how long the seed took on it. */
  engine: EngineName;
  seedSeconds: number;
  /** Progress lines go to stderr; stdout holds only the results. */
  note(message: string): void;
}

export async function openContext(
  opts: { individuals?: number; engine?: EngineName } = {},
): Promise<{ ctx: BenchContext; close(): Promise<void> }> {
  const engine = opts.engine ?? 'mongo-java-server';
  const size = opts.individuals ?? INDIVIDUALS;
  const t0 = Date.now();
  const note = (message: string) => process.stderr.write(`bench +${Math.round((Date.now() - t0) / 1000)}s: ${message}\n`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-bench-'));
  // An explicit environment, not process.env: a MONGODB_URI set in the shell must not be benchmarked (or seeded) by accident.
  const config = loadConfig({ PORT: '0', NODE_ENV: 'production', LOG_LEVEL: 'silent', DATA_DIR: dataDir, EMBEDDED_ENGINE: engine, EMBEDDED_ENGINE_HEAP: process.env.EMBEDDED_ENGINE_HEAP });
  const removeDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  let gateway: Gateway;
  try {
    gateway = await startGateway(config, createLogger(config.logLevel));
  } catch (error) {
    removeDir();
    throw error;
  }
  const close = async () => {
    await gateway.stop();
    removeDir();
  };
  try {
    // The DCI notifier would replay the ~25,000 outbox events the seed leaves, a few commands per
    // event, on the same single-threaded engine for minutes: noise for both sides of every figure.
    // The indicators' outbox scan would read the same events to mark values stale.
    await gateway.dci.stop();
    await gateway.indicators.stop();
    note(`seeding ${size} individuals into ${dataDir} (${engine})`);
    const seedStart = process.hrtime.bigint();
    const { individuals, groups } = await seedRegistry(gateway.models, { individuals: size, seed: SEED });
    const seedSeconds = Number(process.hrtime.bigint() - seedStart) / 1e9;
    const token = await gateway.tokens.issue({ subject: 'bench', scopes: ['registry:read', 'registry:pii'], kind: 'user', ttlSeconds: 3600 });
    return { ctx: { gateway, token, individuals, groups, engine, seedSeconds, note }, close };
  } catch (error) {
    await close();
    throw error;
  }
}
