/**
 * What the indicator tests run against: the CRVS world (a restartable gateway over the demo registry,
 * the partner sandbox linked to it, its CRVS registered as partner and data source) with the
 * sandbox's IBR and DR onboarded as data sources too.
 */
import type { RegistryName } from '../../adapters/dci/sandbox';
import { addDataSource } from '../../src/dataSources/service';
import { settingsOf } from '../../src/dataSources/settings';
import { CrvsWorld, startCrvsWorld } from '../crvs/world';
import type { GqlResponse } from '../support/gateway';

export { SEED } from '../crvs/world';
export const READ = ['registry:read'];
export const READ_PII = ['registry:read', 'registry:pii'];

export interface IndicatorWorld extends CrvsWorld {
  /** The id of the seeded individual holding this UIN. */
  idOf(uin: string): Promise<string>;
  /** Calls the sandbox registry received on `path` so far. */
  calls(registry: RegistryName, path: string): number;
}

/** `individuals` people in the registry and the sandbox; partners take 50 items per envelope. */
export async function startIndicatorWorld(opts: { individuals: number }): Promise<IndicatorWorld> {
  const w = await startCrvsWorld({ demoIndividuals: opts.individuals, births: 20, deaths: 5 });
  try {
    for (const kind of ['ibr', 'dr'] as const) {
      const registry = w.sandbox.registries[kind];
      const { oauth } = w.sandbox;
      await addDataSource(w.gateway.models, settingsOf(w.gateway.store.connection), {
        name: `${kind}-sandbox`,
        kind,
        baseUrl: registry.baseUrl,
        auth: { type: 'oauth2', tokenUrl: oauth.tokenUrl, clientId: oauth.clientId, clientSecret: oauth.clientSecret },
        callbackBase: `${w.gateway.url}/dci`,
        receiverId: registry.senderId,
        jwksUrl: registry.jwksUrl,
        // The tests that take these registries down wait for the breaker to close again.
        breakerCoolDownSeconds: 2,
      }, new Date());
    }
  } catch (error) {
    await w.stop();
    throw error;
  }
  return Object.assign(w, {
    async idOf(uin: string) {
      const claim = await w.gateway.models.IdentifierClaim.findById(`UIN:${uin}`).lean();
      if (!claim) throw new Error(`no seeded individual holds UIN ${uin}`);
      return `${claim.registrant}`;
    },
    calls: (registry: RegistryName, path: string) => w.sandbox.calls(registry).filter((c) => c.path === `/${registry}${path}`).length,
  });
}

export const VALUE_FIELDS = 'name argument value booleanValue numberValue outcome error computedAt expiresAt stale ageSeconds source';

/** The indicators of one individual, by label (`name` or `name(argument)`). */
export async function indicatorsOf(w: IndicatorWorld, id: string, names: string[] | null, scopes = READ_PII): Promise<{ byLabel: Record<string, any>; res: GqlResponse }> {
  const res = await w.gql(`query ($id: ID!, $names: [String!]) { individual(id: $id) { indicators(names: $names) { ${VALUE_FIELDS} } } }`, { id, names }, scopes);
  const list: any[] = res.body.data?.individual?.indicators ?? [];
  return { byLabel: Object.fromEntries(list.map((v) => [v.argument ? `${v.name}(${v.argument})` : v.name, v])), res };
}
