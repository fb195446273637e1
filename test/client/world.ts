/**
 * What the client integration tests run against: the partner sandbox and a real gateway (our keys
 * and JWKS, our receiver endpoints and CallbackHub), linked both ways as in production.
 */
import type { Sandbox } from '../../adapters/dci/sandbox';
import { DciClient, DciClientDeps } from '../../adapters/dci/client/client';
import type { DataSourceConfig } from '../../adapters/dci/client/dataSource';
import { createLogger } from '../../src/log';
import type { TestGateway } from '../support/gateway';
import { startLinkedSandbox } from '../support/linkedSandbox';

export interface World {
  t: TestGateway;
  sandbox: Sandbox;
  /** The CRVS data source as the client sees it, with `overrides`. */
  crvsSource(overrides?: Partial<DataSourceConfig>): DataSourceConfig;
  /** A fresh client (own token cache, breaker and rate budget) with fast retries unless told otherwise. */
  client(source?: Partial<DataSourceConfig>, deps?: Partial<DciClientDeps>): DciClient;
  stop(): Promise<void>;
}

export const FAST_RETRY = { maxAttempts: 4, backoff: { baseMs: 10, maxMs: 50, jitter: true }, maxRetryAfterMs: 5000 };

export async function startWorld(): Promise<World> {
  const { t, sandbox, stop } = await startLinkedSandbox({ births: 40, deaths: 5 });
  const callbackBase = `${t.url}/dci`;

  const crvsSource = (overrides: Partial<DataSourceConfig> = {}): DataSourceConfig => ({
    name: 'crvs-sandbox',
    kind: 'crvs',
    baseUrl: sandbox.registries.crvs.baseUrl,
    auth: { type: 'oauth2', tokenUrl: sandbox.oauth.tokenUrl, clientId: sandbox.oauth.clientId, clientSecret: sandbox.oauth.clientSecret, credentialLocation: 'body' },
    senderId: 'dci-gateway',
    callbackBase,
    receiverId: sandbox.registries.crvs.senderId,
    publicKeys: [],
    jwksUrl: sandbox.registries.crvs.jwksUrl,
    signingProfile: 'default',
    timeoutMs: 2000,
    rateLimitPerMinute: 6000,
    maxItemsPerEnvelope: 50,
    breakerCoolDownMs: 30_000,
    quirks: {},
    ...overrides,
  });

  return {
    t,
    sandbox,
    crvsSource,
    client: (source, deps) =>
      new DciClient(crvsSource(source), { signer: t.gateway.dci.keys, hub: t.gateway.dci.hub, log: createLogger('silent'), retry: FAST_RETRY, ...deps }),
    stop,
  };
}

/** A search item by birth registration number, as the CRVS flows will send it. */
export const byBrn = (brn: string, reference_id?: string) => ({
  ...(reference_id && { reference_id }),
  search_criteria: {
    reg_type: 'ns:org:RegistryType:Civil',
    reg_record_type: 'spdci-extensions-dci:Person',
    query_type: 'idtype-value' as const,
    query: { type: 'BRN', value: brn },
  },
});

/** Counts requests to URLs starting with `prefix` on their way through. */
export function countingFetch(prefix: string): { fetch: typeof fetch; count: () => number } {
  let n = 0;
  return {
    fetch: (input, init) => {
      if (String(input).startsWith(prefix)) n++;
      return fetch(input, init);
    },
    count: () => n,
  };
}
