import { Command, Option } from 'commander';
import { ALL_SCOPES, isScope } from '../../auth/scopes';
import { DEFAULT_USER_TOKEN_TTL_SECONDS, TokenService } from '../../auth/tokens';
import { badOption, loadRuntime } from '../runtime';

/** The DCI routes take partner tokens only, which the token endpoint issues: a user token with these scopes would open nothing. */
const USER_SCOPES = ALL_SCOPES.filter((scope) => !scope.startsWith('dci:'));
/** A year and a day: enough for a monitoring token renewed yearly, short of one that never expires in practice. */
const MAX_TTL_SECONDS = 366 * 24 * 60 * 60;

export function registerToken(program: Command): void {
  program
    .command('token')
    .description('print a bearer token signed by this gateway (key kept in DATA_DIR)')
    .addOption(new Option('--scope <scopes...>', 'scopes to grant (partners get dci:* scopes from POST /oauth2/client/token)').choices(USER_SCOPES).makeOptionMandatory())
    .option('--subject <name>', 'who the token stands for', 'operator')
    .option('--ttl <seconds>', `lifetime in seconds, at most ${MAX_TTL_SECONDS} (366 days)`, String(DEFAULT_USER_TOKEN_TTL_SECONDS))
    .action(async (opts: { scope: string[]; subject: string; ttl: string }) => {
      const { config } = loadRuntime();
      const ttlSeconds = Number(opts.ttl);
      if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_TTL_SECONDS) {
        throw badOption(`--ttl must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS} (366 days)`);
      }
      const tokens = await TokenService.open({ dataDir: config.dataDir, issuer: config.dciSenderId, external: config.externalIssuer });
      const token = await tokens.issue({ subject: opts.subject, scopes: opts.scope.filter(isScope), kind: 'user', ttlSeconds });
      process.stdout.write(`${token}\n`);
    });
}
