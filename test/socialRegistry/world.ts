/**
 * What the social-registry tests run against: a real gateway and the partner sandbox linked both
 * ways (the sandbox's social registry is a partner of ours, calling back with our tokens and its own
 * key), and that registry onboarded as a data source of kind social (OAuth2, its JWKS).
 */
import type { Sandbox } from '../../adapters/dci/sandbox';
import { addDataSource } from '../../src/dataSources/service';
import { settingsOf } from '../../src/dataSources/settings';
import type { TestGateway } from '../support/gateway';
import { startLinkedSandbox } from '../support/linkedSandbox';

export const SOURCE = 'sr-sandbox';

export interface SrWorld {
  t: TestGateway;
  sandbox: Sandbox;
  stop(): Promise<void>;
}

export async function startSrWorld(): Promise<SrWorld> {
  const { t, sandbox, stop } = await startLinkedSandbox({ births: 5, deaths: 1, households: 30 });
  try {
    const social = sandbox.registries.social;
    await addDataSource(t.gateway.models, settingsOf(t.gateway.store.connection), {
      name: SOURCE,
      kind: 'social',
      baseUrl: social.baseUrl,
      auth: { type: 'oauth2', tokenUrl: sandbox.oauth.tokenUrl, clientId: sandbox.oauth.clientId, clientSecret: sandbox.oauth.clientSecret },
      callbackBase: `${t.url}/dci`,
      receiverId: social.senderId,
      jwksUrl: social.jwksUrl,
    }, new Date());
  } catch (error) {
    await stop();
    throw error;
  }
  return { t, sandbox, stop };
}

/** Polls until `ready` holds; fails after `ms` (async answers arrive through our receiver). */
export async function eventually<T>(read: () => Promise<T>, ready: (value: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ready(value)) return value;
    if (Date.now() > deadline) throw new Error(`not ready after ${ms} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
