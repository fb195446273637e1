/**
 * What the federation tests run against: a real gateway seeded with the demo registry (seed 1), the
 * partner sandbox whose records point at the same people, both linked as in production (the sandbox
 * checks our signatures), and the sandbox's registries onboarded as data sources over GraphQL.
 */
import type { RegistryName, Sandbox } from '../../adapters/dci/sandbox';
import { seedRegistry } from '../../src/registry/seed';
import { ok, READ_PII, TestGateway } from '../support/gateway';
import { startLinkedSandbox } from '../support/linkedSandbox';

export interface FederationWorld {
  t: TestGateway;
  sandbox: Sandbox;
  /** registry:read and registry:pii. */
  token: string;
  /** Onboards the sandbox registry as a data source of its kind. */
  addDataSource(registry: RegistryName, maxItemsPerEnvelope?: number): Promise<void>;
  /** The id of the seeded individual holding this UIN. */
  idOf(uin: string): Promise<string>;
  /** Calls the sandbox registry received on `path` so far. */
  calls(registry: RegistryName, path: string): number;
  stop(): Promise<void>;
}

const CREATE = `mutation ($input: CreateDataSourceInput!) { createDataSource(input: $input) { name } }`;

export async function startFederationWorld(opts: { individuals: number }): Promise<FederationWorld> {
  const { t, sandbox, stop } = await startLinkedSandbox({ demoIndividuals: opts.individuals, births: 20, deaths: 5 });
  await t.pauseBackgroundWork();
  await seedRegistry(t.gateway.models, { individuals: opts.individuals, seed: 1 });
  const admin = await t.token(['partners:admin']);

  return {
    t,
    sandbox,
    token: await t.token(READ_PII),
    async addDataSource(registry, maxItemsPerEnvelope = 50) {
      const input = {
        name: `${registry}-sandbox`,
        kind: registry,
        baseUrl: sandbox.registries[registry].baseUrl,
        auth: { type: 'oauth2', tokenUrl: sandbox.oauth.tokenUrl, clientId: sandbox.oauth.clientId, clientSecret: sandbox.oauth.clientSecret },
        callbackBase: `${t.url}/dci`,
        receiverId: sandbox.registries[registry].senderId,
        jwksUrl: sandbox.registries[registry].jwksUrl,
        maxItemsPerEnvelope,
        timeoutMs: 2000,
      };
      ok(await t.gql(CREATE, { input }, admin));
    },
    async idOf(uin) {
      const identifier = await t.gateway.models.IdentifierClaim.findById(`UIN:${uin}`).lean();
      if (!identifier) throw new Error(`no seeded individual holds UIN ${uin}`);
      return `${identifier.registrant}`;
    },
    calls: (registry, path) => sandbox.calls(registry).filter((c) => c.path === `/${registry}${path}`).length,
    stop,
  };
}
