/**
 * What the CRVS tests run against: a real gateway on its own data directory (restartable on the
 * same one), a seeded demo registry, the partner sandbox whose births and deaths point at it, the
 * sandbox registered as a partner (for its notifications) and as the CRVS data source.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, Sandbox, SandboxOptions } from '../../adapters/dci/sandbox';
import { addDataSource } from '../../src/dataSources/service';
import { settingsOf } from '../../src/dataSources/settings';
import { loadConfig } from '../../src/config';
import { Gateway, startGateway } from '../../src/gateway';
import { createLogger } from '../../src/log';
import { createPartner } from '../../src/partners/service';
import { seedRegistry } from '../../src/registry/seed';
import type { GqlResponse } from '../support/gateway';

export const SEED = 1;
export const DEMO = 300;
export const WRITE = ['registry:read', 'registry:write', 'registry:pii'];

export interface CrvsWorld {
  gateway: Gateway;
  sandbox: Sandbox;
  gql<T = any>(query: string, variables?: Record<string, unknown>, scopes?: string[]): Promise<GqlResponse<T>>;
  /** Stops the gateway and starts it again on the same data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startCrvsWorld(sandboxOptions: SandboxOptions = {}): Promise<CrvsWorld> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-crvs-'));
  const config = loadConfig({ NODE_ENV: 'test', EMBEDDED_ENGINE: process.env.EMBEDDED_ENGINE, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const sandbox = await startSandbox({ seed: SEED, demoIndividuals: DEMO, births: 120, deaths: 5, ...sandboxOptions });
  let gateway = await startGateway(config, createLogger('silent'));
  let partner: { clientId: string; clientSecret: string };
  const link = () => sandbox.connectGateway({ tokenUrl: `${gateway.url}/oauth2/client/token`, ...partner, jwksUrl: `${gateway.url}/.well-known/jwks.json` });
  try {
    await seedRegistry(gateway.models, { individuals: sandboxOptions.demoIndividuals ?? DEMO, seed: SEED });
    const crvs = sandbox.registries.crvs;
    partner = await createPartner(gateway.models, { senderId: crvs.senderId, jwksUrl: crvs.jwksUrl, callbackBase: `${gateway.url}/dci`, scopes: ['dci:callback'] }, new Date());
    link();
    await addDataSource(gateway.models, settingsOf(gateway.store.connection), {
      name: 'crvs-sandbox',
      kind: 'crvs',
      baseUrl: crvs.baseUrl,
      auth: { type: 'oauth2', tokenUrl: sandbox.oauth.tokenUrl, clientId: sandbox.oauth.clientId, clientSecret: sandbox.oauth.clientSecret },
      callbackBase: `${gateway.url}/dci`,
      receiverId: crvs.senderId,
      jwksUrl: crvs.jwksUrl,
    }, new Date());
  } catch (error) {
    await gateway.stop();
    await sandbox.stop();
    throw error;
  }

  return {
    get gateway() {
      return gateway;
    },
    sandbox,
    async gql(query, variables, scopes = WRITE) {
      const token = await gateway.tokens.issue({ subject: 'crvs-test', scopes: scopes as never, kind: 'user', ttlSeconds: 600 });
      const res = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
      return { status: res.status, body: (await res.json()) as GqlResponse['body'] };
    },
    async restart() {
      await gateway.stop();
      gateway = await startGateway(config, createLogger('silent'));
      link(); // the sandbox fetches our keys from the new port
    },
    async stop() {
      try {
        await gateway.stop();
        await sandbox.stop();
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export const IMPORT_FIELDS = 'id state pagesDone totalPages totalCount lastError counts { created updated unchanged review }';

/** The range holding every sandbox record: the ten years before today. */
export const everything = () => {
  const today = new Date();
  return { from: `${today.getUTCFullYear() - 11}-01-01`, to: today.toISOString().slice(0, 10) };
};
