import type { Command } from 'commander';
import type { Sandbox } from '../../../adapters/dci/sandbox';
import type { Gateway } from '../../gateway';
import { DataDirInUseError } from '../../store/dataDirLock';
import { PortInUseError } from '../../httpPort';
import { MongoUnreachableError } from '../../store/connection';
import { EngineMissingError } from '../../store/engine';
import { loadRuntime } from '../runtime';

/** Longer than the HTTP drain (10 s) plus the engine's own stop (5 s). */
const STOP_DEADLINE_MS = 20_000;

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the gateway (GraphQL on /graphql, health on /healthz and /readyz)')
    .option('--demo', 'seed a synthetic registry of 2,000 individuals when the registry is empty (or complete an interrupted seed), and start the partner sandbox')
    .option('--no-sandbox', 'with --demo: do not start the partner sandbox (CRVS, IBR, DR on PORT+100)')
    .action(async (opts: { demo?: boolean; sandbox: boolean }) => {
      const { config, log } = loadRuntime();
      let gateway: Gateway | undefined;
      let sandbox: Sandbox | undefined;
      let stopping = false;
      const stop = async (reason: string, exitCode = 0) => {
        if (stopping) return;
        stopping = true;
        log.info({ reason }, 'stopping');
        // A stop that cannot finish (a dead engine, a stuck peer) must not keep the process alive.
        setTimeout(() => {
          log.error({ afterMs: STOP_DEADLINE_MS }, 'stop did not finish in time; exiting');
          process.exit(1);
        }, STOP_DEADLINE_MS).unref();
        try {
          await sandbox?.stop();
          await gateway?.stop();
          process.exit(exitCode);
        } catch (error) {
          log.error({ err: error }, 'stop failed');
          process.exit(1);
        }
      };
      // Installed before anything starts: a signal during start-up (engine, seeding, sandbox) still
      // goes through stop(), and the engine's exit hook takes the engine down with the process.
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));

      // The gateway's modules are loaded here, not when the CLI starts: other commands do without them.
      const { DEMO_INDIVIDUALS, startGateway } = await import('../../gateway');
      try {
        gateway = await startGateway(config, log, { demo: Boolean(opts.demo) });
      } catch (error) {
        // Start-up problems an operator fixes in the environment: said in one line, no stack trace.
        if (error instanceof EngineMissingError || error instanceof DataDirInUseError || error instanceof PortInUseError || error instanceof MongoUnreachableError) {
          process.stderr.write(`${error.message}\n`);
          process.exit(2);
        }
        throw error;
      }
      // Without its database the gateway can only fail requests: exit, and let the supervisor restart it.
      gateway.store.engine?.onUnexpectedExit(() => void stop('embedded engine exited', 1));
      process.stdout.write(`dci-gateway listening on http://localhost:${gateway.port}/graphql\n`);
      if (opts.demo && opts.sandbox) {
        const { startDemoSandbox, SANDBOX_DATA_SOURCES } = await import('../../demoSandbox');
        sandbox = await startDemoSandbox(gateway, config, DEMO_INDIVIDUALS, log).catch((error: unknown) => {
          log.warn({ err: error }, 'the demo partner sandbox (on PORT+100) could not start; the gateway runs without it (serve --demo --no-sandbox skips it)');
          return undefined;
        });
        if (sandbox) process.stdout.write(`partner sandbox (CRVS, IBR, DR, social) on ${sandbox.url}, wired as data sources ${SANDBOX_DATA_SOURCES.join(', ')}\n`);
      }
    });
}
