/**
 * The partner sandbox and a real gateway, linked both ways as in production: the sandbox's CRVS
 * and social registries are partners of the gateway (allowed to call back), and the sandbox checks
 * our signatures against our JWKS and calls back with a token from our token endpoint.
 */
import { startSandbox, Sandbox, SandboxOptions } from '../../adapters/dci/sandbox';
import { createPartner } from '../../src/partners/service';
import { startTestGateway, TestGateway } from './gateway';

export interface LinkedSandbox {
  t: TestGateway;
  sandbox: Sandbox;
  stop(): Promise<void>;
}

export async function startLinkedSandbox(options: SandboxOptions): Promise<LinkedSandbox> {
  const sandbox = await startSandbox(options);
  let t: TestGateway;
  try {
    t = await startTestGateway();
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
  const stop = async () => {
    await sandbox.stop();
    await t.stop();
  };
  try {
    for (const registry of ['crvs', 'social'] as const) {
      const info = sandbox.registries[registry];
      const { clientId, clientSecret } = await createPartner(
        t.gateway.models,
        { senderId: info.senderId, jwksUrl: info.jwksUrl, callbackBase: `${t.url}/dci`, scopes: ['dci:callback'] },
        new Date(),
      );
      sandbox.connectGateway({ tokenUrl: `${t.url}/oauth2/client/token`, clientId, clientSecret, jwksUrl: `${t.url}/.well-known/jwks.json` }, registry);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { t, sandbox, stop };
}
