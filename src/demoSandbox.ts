/**
 * The quick start's partner registries: `serve --demo` also starts the sandbox (CRVS, IBR, DR,
 * social) and wires it to the gateway both ways, as an operator would: the sandbox's CRVS and social
 * registry are partners of ours (so their callbacks and notifications pass our checks) and each
 * sandbox registry is a data source (so GraphQL can bring its data into the graph). Re-running the
 * demo reuses what is already there, pointed at this run's ports.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startSandbox, Sandbox, RegistryName } from '../adapters/dci/sandbox';
import { DEMO_ACTOR, recordChange, type Change } from './audit/configChanges';
import type { Config } from './config';
import { addDataSource, findDataSource, updateDataSource } from './dataSources/service';
import { SecretBox } from './dataSources/secretBox';
import type { Gateway } from './gateway';
import type { Logger } from './log';
import { createPartner, findBySenderId, rotateClientSecret, updatePartner } from './partners/service';

const KINDS = ['crvs', 'ibr', 'dr', 'social'] as const;
const dataSourceOf = (kind: RegistryName) => `sandbox-${kind}`;
/** The data sources the sandbox is wired as, one per registry. */
export const SANDBOX_DATA_SOURCES = KINDS.map(dataSourceOf);
/** The registries that call us back (async answers, notifications), each a partner of ours. */
const CALLING_BACK: { registry: RegistryName; displayName: string }[] = [
  { registry: 'crvs', displayName: 'Sandbox CRVS' },
  { registry: 'social', displayName: 'Sandbox social registry' },
];

/** The sandbox's client secret for us, kept so data sources made by an earlier run keep working. */
function sandboxSecret(dataDir: string): string {
  const file = path.join(dataDir, 'demo-sandbox-secret');
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

export async function startDemoSandbox(gateway: Gateway, config: Config, demoIndividuals: number, log: Logger): Promise<Sandbox> {
  // A fixed port next to the gateway's keeps the data sources' URLs valid across restarts.
  const port = config.port === 0 ? 0 : config.port + 100;
  const sandbox = await startSandbox({ port, seed: 1, demoIndividuals, clientSecret: sandboxSecret(config.dataDir) });
  const models = gateway.models;
  const now = new Date();
  const callbackBase = `${gateway.url}${config.dciBasePath}`;
  // The demo's re-wiring is an operator's change like any other: the configuration audit shows it.
  const recorded = <T>(change: Change, work: () => Promise<T>) => recordChange({ models, log }, DEMO_ACTOR, change, work);

  for (const { registry, displayName } of CALLING_BACK) {
    const info = sandbox.registries[registry];
    let credentials;
    if (await findBySenderId(models, info.senderId)) {
      // Its secret was shown once, by an earlier run: issue a new one for this sandbox process.
      const rewired = { callbackBase, jwksUrl: info.jwksUrl, status: 'active' };
      await recorded({ target: 'partner', name: info.senderId, action: 'updated', input: rewired }, () => updatePartner(models, info.senderId, rewired, now));
      credentials = await recorded({ target: 'partner', name: info.senderId, action: 'secret_rotated' }, () => rotateClientSecret(models, info.senderId, now));
    } else {
      const input = { senderId: info.senderId, displayName, jwksUrl: info.jwksUrl, callbackBase, scopes: ['dci:callback'] };
      credentials = await recorded({ target: 'partner', name: info.senderId, action: 'created', input }, () => createPartner(models, input, now));
    }
    const link = { tokenUrl: `${gateway.url}/oauth2/client/token`, clientId: credentials.clientId, clientSecret: credentials.clientSecret, jwksUrl: `${gateway.url}/.well-known/jwks.json` };
    sandbox.connectGateway(link, registry);
  }

  const settings = { box: SecretBox.open(config.dataDir), defaultSenderId: config.dciSenderId };
  for (const kind of KINDS) {
    const name = dataSourceOf(kind);
    const registry = sandbox.registries[kind];
    const address = {
      baseUrl: registry.baseUrl,
      auth: { type: 'oauth2', tokenUrl: sandbox.oauth.tokenUrl, clientId: sandbox.oauth.clientId, clientSecret: sandbox.oauth.clientSecret, credentialLocation: 'body' },
      callbackBase,
      receiverId: registry.senderId,
      jwksUrl: registry.jwksUrl,
    };
    // An earlier run may have used other ports (PORT changed, or 0): follow this run's.
    if (await findDataSource(models, name)) await recorded({ target: 'data_source', name, action: 'updated', input: address }, () => updateDataSource(models, settings, name, address, now));
    else {
      const input = { name, kind, ...address };
      await recorded({ target: 'data_source', name, action: 'created', input }, () => addDataSource(models, settings, input, now));
    }
  }
  log.info({ sandbox: sandbox.url }, 'demo partner sandbox (CRVS, IBR, DR, social) started and wired');
  return sandbox;
}
