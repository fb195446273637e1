import type { Command } from 'commander';
import { startDemoSandbox } from '../../demoSandbox';
import { DEMO_INDIVIDUALS, startGateway } from '../../gateway';
import { EngineMissingError } from '../../store/engine';
import { loadRuntime } from '../runtime';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the gateway (GraphQL on /graphql, health on /healthz and /readyz)')
    .option('--demo', 'seed a synthetic registry of 2,000 individuals when the registry is empty, and start the partner sandbox')
    .option('--no-sandbox', 'with --demo: do not start the partner sandbox (CRVS, IBR, DR on PORT+100)')
    .action(async (opts: { demo?: boolean; sandbox: boolean }) => {
      const { config, log } = loadRuntime();
      let gateway;
      try {
        gateway = await startGateway(config, log, { demo: Boolean(opts.demo) });
      } catch (error) {
        if (error instanceof EngineMissingError) {
          process.stderr.write(`${error.message}\n`);
          process.exit(2);
        }
        throw error;
      }
      process.stdout.write(`dci-gateway listening on http://localhost:${gateway.port}/graphql\n`);
      const sandbox = opts.demo && opts.sandbox ? await startDemoSandbox(gateway, config, DEMO_INDIVIDUALS, log).catch((error: unknown) => {
        log.warn({ err: error }, 'the demo partner sandbox could not start; the gateway runs without it');
        return undefined;
      }) : undefined;
      if (sandbox) process.stdout.write(`partner sandbox (CRVS, IBR, DR) on ${sandbox.url}, wired as data sources sandbox-crvs, sandbox-ibr, sandbox-dr\n`);
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'stopping');
        await sandbox?.stop();
        await gateway.stop();
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
    });
}
