import fs from 'node:fs';
import { Command, Option } from 'commander';
import { SecretBox } from '../../dataSources/secretBox';
import { createPartner, disablePartner, listPartners, PartnerInput, publicPartner } from '../../partners/service';
import type { RegistryModels } from '../../store/models';
import { AUTH_TYPES } from '../../store/models/outboundAuth';
import { PARTNER_SCOPES, SIGNING_PROFILES } from '../../store/models/partner';
import { CREDENTIAL_LOCATIONS } from '../../../adapters/dci/client/dataSource';
import { positiveInteger, printJson as print, secretFromEnv, withStore } from '../runtime';

const withModels = <T>(work: (models: RegistryModels) => Promise<T>) => withStore(({ models }) => work(models));

/** A JWK file holds one public JWK or a JWKS (`{"keys": [...]}`). */
function readJwkFile(file: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`--jwk-file ${file}: ${(error as NodeJS.ErrnoException).code ? 'cannot be read' : 'is not JSON'}`);
  }
  const keys = (parsed as { keys?: unknown }).keys;
  return Array.isArray(keys) ? keys : [parsed];
}


interface AddOptions {
  senderId: string;
  jwkFile?: string;
  jwksUrl?: string;
  callbackBase: string;
  scopes?: string[];
  profile?: string;
  name?: string;
  pii?: boolean;
  queryAttributes?: string[];
  rateLimit?: number;
  callbackAuth: string;
  callbackTokenEnv?: string;
  callbackTokenUrl?: string;
  callbackClientId?: string;
  callbackClientSecretEnv?: string;
  callbackScope?: string;
  callbackCredentialLocation?: string;
}

export function registerPartners(program: Command): void {
  const partners = program.command('partners').description('manage the partner systems allowed to call the DCI APIs');

  partners
    .command('add')
    .description('register a partner; prints {sender_id, client_id, client_secret} as JSON (the secret is shown only this once)')
    .requiredOption('--sender-id <id>', 'the DCI header.sender_id the partner sends as')
    .option('--jwk-file <file>', "file with the partner's public JWK, or a JWKS")
    .option('--jwks-url <url>', "the partner's JWKS URL (https; http for loopback hosts only)")
    .requiredOption('--callback-base <url>', 'base URL its callbacks (header.sender_uri) must lie under (https; http for loopback hosts only)')
    .addOption(new Option('--scopes <scopes...>', 'DCI scopes granted (default: dci:search)').choices([...PARTNER_SCOPES]))
    .addOption(new Option('--profile <name>', 'signing profile (default: default; none accepts unsigned messages)').choices([...SIGNING_PROFILES]))
    .option('--name <text>', 'display name (default: the sender id)')
    .option('--pii', 'let search results include personal data', false)
    .option('--query-attributes <names...>', 'DCI attributes it may search on (default: UIN BRN NATIONAL_ID HOUSEHOLD_ID age birth_date sex location group_size poverty_score)')
    .option('--rate-limit <perMinute>', 'DCI requests per minute (default: 600)', positiveInteger)
    .addOption(new Option('--callback-auth <type>', 'how our callbacks and notifications authenticate at the partner').choices([...AUTH_TYPES]).default('none'))
    .option('--callback-token-env <VAR>', 'bearer: environment variable holding the static token')
    .option('--callback-token-url <url>', "oauth2: the partner's token endpoint")
    .option('--callback-client-id <id>', 'oauth2: our client id at the partner')
    .option('--callback-client-secret-env <VAR>', 'oauth2: environment variable holding the client secret')
    .option('--callback-scope <scope>', 'oauth2: scope to request')
    .addOption(new Option('--callback-credential-location <where>', 'oauth2: where the credentials go (default: body)').choices([...CREDENTIAL_LOCATIONS]))
    .action(async (opts: AddOptions) => {
      if (!opts.jwkFile && !opts.jwksUrl && opts.profile !== 'none') {
        throw new Error('one of --jwk-file and --jwks-url is required (unless --profile none)');
      }
      const input: PartnerInput = {
        senderId: opts.senderId,
        displayName: opts.name,
        publicKeys: opts.jwkFile ? readJwkFile(opts.jwkFile) : undefined,
        jwksUrl: opts.jwksUrl,
        signingProfile: opts.profile,
        callbackBase: opts.callbackBase,
        callbackAuth: {
          type: opts.callbackAuth,
          token: secretFromEnv(opts.callbackTokenEnv, '--callback-token-env'),
          tokenUrl: opts.callbackTokenUrl,
          clientId: opts.callbackClientId,
          clientSecret: secretFromEnv(opts.callbackClientSecretEnv, '--callback-client-secret-env'),
          scope: opts.callbackScope,
          credentialLocation: opts.callbackCredentialLocation,
        },
        scopes: opts.scopes,
        queryAttributes: opts.queryAttributes,
        pii: opts.pii,
        rateLimitPerMinute: opts.rateLimit,
      };
      const created = await withStore(({ config, models }) => createPartner(models, input, new Date(), SecretBox.open(config.dataDir)));
      print({ sender_id: created.partner.senderId, client_id: created.clientId, client_secret: created.clientSecret });
    });

  partners
    .command('list')
    .description('print every partner as JSON (never a secret)')
    .action(async () => {
      print((await withModels(listPartners)).map(publicPartner));
    });

  partners
    .command('disable')
    .description('disable a partner: its credentials stop working for new tokens; prints the partner as JSON')
    .requiredOption('--sender-id <id>', 'the partner to disable')
    .action(async (opts: { senderId: string }) => {
      print(publicPartner(await withModels((models) => disablePartner(models, opts.senderId, new Date()))));
    });
}
