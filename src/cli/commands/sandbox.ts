import type { Command } from 'commander';
import { badOption } from '../runtime';

const integer = (name: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw badOption(`${name} must be an integer of at least ${min}`);
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
  households: number;
  gatewaySocialClientId?: string;
  gatewaySocialClientSecret?: string;
}

export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description('run fake CRVS, IBR, DR and social partner registries that speak DCI, the first three linked to the demo registry by UIN')
    .option('--port <port>', 'port to listen on (127.0.0.1)', integer('--port', 0), 4100)
    .option('--seed <seed>', 'seed of the demo registry the records link to', integer('--seed', 0), 1)
    .option('--births <n>', 'number of birth records', integer('--births', 0), 500)
    .option('--deaths <n>', 'number of death records', integer('--deaths', 0), 50)
    .option('--demo-individuals <n>', 'people in the demo registry', integer('--demo-individuals', 0), 2000)
    .option('--households <n>', 'households in the social registry', integer('--households', 0), 40)
    .option('--client-secret <secret>', 'OAuth client secret the gateway uses here (random by default)')
    .option('--gateway <url>', "the gateway's base URL: its token endpoint authenticates our callbacks, its JWKS verifies its requests")
    .option('--gateway-client-id <id>', 'our client id at the gateway (with --gateway)')
    .option('--gateway-client-secret <secret>', 'our client secret at the gateway (with --gateway)')
    .option('--gateway-social-client-id <id>', "the social registry's client id at the gateway, a partner of its own (with --gateway)")
    .option('--gateway-social-client-secret <secret>', "the social registry's client secret at the gateway (with --gateway)")
    .action(async (opts: SandboxCliOptions) => {
      if (opts.gateway && (!opts.gatewayClientId || !opts.gatewayClientSecret)) throw badOption('--gateway needs --gateway-client-id and --gateway-client-secret');
      if (Boolean(opts.gatewaySocialClientId) !== Boolean(opts.gatewaySocialClientSecret)) throw badOption('--gateway-social-client-id and --gateway-social-client-secret go together');
      const { gateway, gatewayClientId, gatewayClientSecret, gatewaySocialClientId, gatewaySocialClientSecret, ...options } = opts;
      const { SandboxPortInUseError, startSandbox } = await import('../../../adapters/dci/sandbox');
      const sandbox = await startSandbox(options).catch((error: unknown) => {
        throw error instanceof SandboxPortInUseError ? new Error(`sandbox not started: ${error.message}: stop it, or choose another with --port (0 picks a free one)`) : error;
      });
      if (gateway) {
        const base = gateway.replace(/\/+$/, '');
        const link = { tokenUrl: `${base}/oauth2/client/token`, jwksUrl: `${base}/.well-known/jwks.json` };
        sandbox.connectGateway({ ...link, clientId: gatewayClientId!, clientSecret: gatewayClientSecret! });
        if (gatewaySocialClientId) sandbox.connectGateway({ ...link, clientId: gatewaySocialClientId, clientSecret: gatewaySocialClientSecret! }, 'social');
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
