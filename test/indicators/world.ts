/**
 * What the indicator tests run against: a real gateway on its own data directory (restartable on
 * the same one), the demo registry (seed 1), the partner sandbox whose CRVS, IBR and DR records
 * point at the same people, the sandbox's CRVS registered as a partner (for its death
 * notifications), and the three registries onboarded as data sources.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RegistryName, Sandbox, startSandbox } from '../../adapters/dci/sandbox';
import { loadConfig } from '../../src/config';
import { addDataSource } from '../../src/dataSources/service';
import { settingsOf } from '../../src/dataSources/settings';
import { Gateway, startGateway } from '../../src/gateway';
import { createLogger } from '../../src/log';
import { createPartner } from '../../src/partners/service';
import { seedRegistry } from '../../src/registry/seed';
import type { GqlResponse } from '../support/gateway';

export const SEED = 1;
export const READ = ['registry:read'];
export const READ_PII = ['registry:read', 'registry:pii'];
export const WRITE = ['registry:read', 'registry:write', 'registry:pii'];

export interface IndicatorWorld {
  gateway: Gateway;
  sandbox: Sandbox;
  gql<T = any>(query: string, variables?: Record<string, unknown>, scopes?: string[]): Promise<GqlResponse<T>>;
  /** The id of the seeded individual holding this UIN. */
  idOf(uin: string): Promise<string>;
  /** Calls the sandbox registry received on `path` so far. */
  calls(registry: RegistryName, path: string): number;
  /** Stops the gateway and starts it again on the same data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startIndicatorWorld(opts: { individuals: number; maxItemsPerEnvelope?: number }): Promise<IndicatorWorld> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-indicators-'));
  const config = loadConfig({ NODE_ENV: 'test', EMBEDDED_ENGINE: process.env.EMBEDDED_ENGINE, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const sandbox = await startSandbox({ seed: SEED, demoIndividuals: opts.individuals, births: 20, deaths: 5 });
  let gateway = await startGateway(config, createLogger('silent'));
  let partner: { clientId: string; clientSecret: string };
  const link = () => sandbox.connectGateway({ tokenUrl: `${gateway.url}/oauth2/client/token`, ...partner, jwksUrl: `${gateway.url}/.well-known/jwks.json` });
  try {
    await seedRegistry(gateway.models, { individuals: opts.individuals, seed: SEED });
    const crvs = sandbox.registries.crvs;
    partner = await createPartner(gateway.models, { senderId: crvs.senderId, jwksUrl: crvs.jwksUrl, callbackBase: `${gateway.url}/dci`, scopes: ['dci:callback'] }, new Date());
    link();
    for (const kind of ['crvs', 'ibr', 'dr'] as const) {
      const registry = sandbox.registries[kind];
      await addDataSource(gateway.models, settingsOf(gateway.store.connection), {
        name: `${kind}-sandbox`,
        kind,
        baseUrl: registry.baseUrl,
        auth: { type: 'oauth2', tokenUrl: sandbox.oauth.tokenUrl, clientId: sandbox.oauth.clientId, clientSecret: sandbox.oauth.clientSecret },
        callbackBase: `${gateway.url}/dci`,
        receiverId: registry.senderId,
        jwksUrl: registry.jwksUrl,
        maxItemsPerEnvelope: opts.maxItemsPerEnvelope ?? 50,
        timeoutMs: 5000,
      }, new Date());
    }
  } catch (error) {
    await gateway.stop();
    await sandbox.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }

  return {
    get gateway() {
      return gateway;
    },
    sandbox,
    async gql(query, variables, scopes = WRITE) {
      const token = await gateway.tokens.issue({ subject: 'indicator-test', scopes: scopes as never, kind: 'user', ttlSeconds: 600 });
      const res = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
      return { status: res.status, body: (await res.json()) as GqlResponse['body'] };
    },
    async idOf(uin) {
      const claim = await gateway.models.IdentifierClaim.findById(`UIN:${uin}`).lean();
      if (!claim) throw new Error(`no seeded individual holds UIN ${uin}`);
      return `${claim.registrant}`;
    },
    calls: (registry, p) => sandbox.calls(registry).filter((c) => c.path === `/${registry}${p}`).length,
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

export const VALUE_FIELDS = 'name argument value booleanValue numberValue outcome error computedAt expiresAt stale ageSeconds source';

/** The indicators of one individual, by label (`name` or `name(argument)`). */
export async function indicatorsOf(w: IndicatorWorld, id: string, names: string[] | null, scopes = READ_PII): Promise<{ byLabel: Record<string, any>; res: GqlResponse }> {
  const res = await w.gql(`query ($id: ID!, $names: [String!]) { individual(id: $id) { indicators(names: $names) { ${VALUE_FIELDS} } } }`, { id, names }, scopes);
  const list: any[] = res.body.data?.individual?.indicators ?? [];
  return { byLabel: Object.fromEntries(list.map((v) => [v.argument ? `${v.name}(${v.argument})` : v.name, v])), res };
}
