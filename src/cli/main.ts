#!/usr/bin/env node
/** The dci-gateway command line. Each command lives in src/cli/commands/<name>.ts. */
import { Command } from 'commander';
import { GatewayError } from '../errors';
import { gatewayVersion } from '../paths';
import { registerCommands } from './commands';

const version = gatewayVersion();

const program = new Command('dci-gateway')
  .description('Social registry gateway: GraphQL for dashboards, DCI APIs for partner systems')
  .version(version)
  .showHelpAfterError();
registerCommands(program);

// A refusal is one line naming its code, whether it came before the store opened or after.
program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`${error instanceof GatewayError ? `${error.code}: ` : ''}${(error as Error).message}\n`);
  process.exit(1);
});
