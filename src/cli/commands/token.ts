import { Command, Option } from 'commander';
import { ALL_SCOPES, isScope } from '../../auth/scopes';
import { DEFAULT_USER_TOKEN_TTL_SECONDS, TokenService } from '../../auth/tokens';
import { loadRuntime } from '../runtime';

export function registerToken(program: Command): void {
  program
    .command('token')
    .description('print a bearer token signed by this gateway (key kept in DATA_DIR)')
    .addOption(new Option('--scope <scopes...>', 'scopes to grant').choices([...ALL_SCOPES]).makeOptionMandatory())
    .option('--subject <name>', 'who the token stands for', 'operator')
    .option('--ttl <seconds>', 'lifetime in seconds', String(DEFAULT_USER_TOKEN_TTL_SECONDS))
    .action(async (opts: { scope: string[]; subject: string; ttl: string }) => {
      const { config } = loadRuntime();
      const ttlSeconds = Number(opts.ttl);
      if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) throw new Error('--ttl must be a positive number of seconds');
      const tokens = await TokenService.open({ dataDir: config.dataDir, issuer: config.dciSenderId, external: config.externalIssuer });
      const token = await tokens.issue({ subject: opts.subject, scopes: opts.scope.filter(isScope), kind: 'user', ttlSeconds });
      process.stdout.write(`${token}\n`);
    });
}
