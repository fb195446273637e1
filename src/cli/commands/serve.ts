import type { Command } from 'commander';
import { startGateway } from '../../gateway';
import { EngineMissingError } from '../../store/engine';
import { loadRuntime } from '../runtime';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the gateway (GraphQL on /graphql, health on /healthz and /readyz)')
    .option('--demo', 'seed a synthetic registry of 2,000 individuals when the registry is empty')
    .action(async (opts: { demo?: boolean }) => {
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
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'stopping');
        await gateway.stop();
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
    });
}
