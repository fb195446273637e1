import type { Command } from 'commander';
import { startSandbox } from '../../../adapters/dci/sandbox';

const integer = (name: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} must be an integer of at least ${min}`);
  return n;
};

interface SandboxCliOptions {
  port: number;
  seed: number;
  births: number;
  deaths: number;
  demoIndividuals: number;
  clientSecret?: string;
  gateway?: string;
  gatewayClientId?: string;
  gatewayClientSecret?: string;
}

export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description('run fake CRVS, IBR and DR partner registries that speak DCI, linked to the demo registry by UIN')
    .option('--port <port>', 'port to listen on (127.0.0.1)', integer('--port', 0), 4100)
    .option('--seed <seed>', 'seed of the demo registry the records link to', integer('--seed', 0), 1)
    .option('--births <n>', 'number of birth records', integer('--births', 0), 500)
    .option('--deaths <n>', 'number of death records', integer('--deaths', 0), 50)
    .option('--demo-individuals <n>', 'people in the demo registry', integer('--demo-individuals', 0), 2000)
    .option('--client-secret <secret>', 'OAuth client secret the gateway uses here (random by default)')
    .option('--gateway <url>', "the gateway's base URL: its token endpoint authenticates our callbacks, its JWKS verifies its requests")
    .option('--gateway-client-id <id>', 'our client id at the gateway (with --gateway)')
    .option('--gateway-client-secret <secret>', 'our client secret at the gateway (with --gateway)')
    .action(async (opts: SandboxCliOptions) => {
      if (opts.gateway && (!opts.gatewayClientId || !opts.gatewayClientSecret)) throw new Error('--gateway needs --gateway-client-id and --gateway-client-secret');
      const { gateway, gatewayClientId, gatewayClientSecret, ...options } = opts;
      const sandbox = await startSandbox(options);
      if (gateway) {
        const base = gateway.replace(/\/+$/, '');
        sandbox.connectGateway({ tokenUrl: `${base}/oauth2/client/token`, clientId: gatewayClientId!, clientSecret: gatewayClientSecret!, jwksUrl: `${base}/.well-known/jwks.json` });
      }
      const { url, registries, oauth } = sandbox;
      const signatures = gateway ? `verified with ${gateway.replace(/\/+$/, '')}/.well-known/jwks.json` : 'not checked: no --gateway given';
      process.stdout.write(`${JSON.stringify({ url, registries, oauth, jwksUrl: `${url}/.well-known/jwks.json`, incomingSignatures: signatures }, null, 2)}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await sandbox.stop();
    });
}
