/**
 * The partner sandbox and a real gateway, linked both ways as in production: the sandbox's CRVS
 * registry is a partner of the gateway (allowed to call back), and the sandbox checks our
 * signatures against our JWKS and calls back with a token from our token endpoint.
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
    const crvs = sandbox.registries.crvs;
    const { clientId, clientSecret } = await createPartner(
      t.gateway.models,
      { senderId: crvs.senderId, jwksUrl: crvs.jwksUrl, callbackBase: `${t.url}/dci`, scopes: ['dci:callback'] },
      new Date(),
    );
    sandbox.connectGateway({ tokenUrl: `${t.url}/oauth2/client/token`, clientId, clientSecret, jwksUrl: `${t.url}/.well-known/jwks.json` });
  } catch (error) {
    await stop();
    throw error;
  }
  return { t, sandbox, stop };
}
