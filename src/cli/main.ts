#!/usr/bin/env node
/** The dci-gateway command line. Each command lives in src/cli/commands/<name>.ts. */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { projectRoot } from '../paths';
import { registerCommands } from './commands';

const { version } = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string };

const program = new Command('dci-gateway')
  .description('Social registry gateway: GraphQL for dashboards, DCI APIs for partner systems')
  .version(version)
  .showHelpAfterError();
registerCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
