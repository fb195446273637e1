import fs from 'node:fs';
import { Command, Option } from 'commander';
import { SecretBox } from '../../dataSources/secretBox';
import { addDataSource, DataSourceInput, DataSourceTuning, disableDataSource, listDataSources, publicDataSource, tuneDataSource } from '../../dataSources/service';
import type { DataSourceSettings } from '../../dataSources/settings';
import type { RegistryModels } from '../../store/models';
import { REGISTRY_KINDS, CREDENTIAL_LOCATIONS } from '../../../adapters/dci/client/dataSource';
import { AUTH_TYPES } from '../../store/models/outboundAuth';
import { SIGNING_PROFILES } from '../../store/models/partner';
import { ENCRYPTION_POLICIES } from '../../../adapters/dci/protocol/encryption';
import { readEncryptionJwk } from './partners';
import { positiveInteger, printJson as print, secretFromEnv, withStore } from '../runtime';

/** Like withStore, with the secret box of DATA_DIR for the data sources' credentials. */
function withDataSources<T>(work: (models: RegistryModels, settings: DataSourceSettings) => Promise<T>): Promise<T> {
  return withStore(({ config, models }) => work(models, { box: SecretBox.open(config.dataDir), defaultSenderId: config.dciSenderId }));
}


/** A file with one public JWK or a JWKS. */
function readJwkFile(file: string): unknown[] {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { keys?: unknown };
  return Array.isArray(parsed.keys) ? parsed.keys : [parsed];
}

/** How a data source is called: set by `add` (with defaults) and changed by `update`. */
interface TuningOptions {
  timeoutMs?: number;
  rateLimit?: number;
  maxItems?: number;
  breakerCoolDown?: number;
}

function withTuningOptions(command: Command, withDefaults: boolean): Command {
  const byDefault = (text: string) => (withDefaults ? ` (default ${text})` : '');
  return command
    .option('--timeout-ms <ms>', `per HTTP attempt, 100 to 120000${byDefault('10000')}`, positiveInteger)
    .option('--rate-limit <perMinute>', `our requests per minute to it${byDefault('600')}`, positiveInteger)
    .option('--max-items <n>', `search items per envelope, 1 to 1000${byDefault('50')}`, positiveInteger)
    .option('--breaker-cool-down <seconds>', `how long calls fail fast after 5 failures in a row, 1 to 3600${byDefault('30')}`, positiveInteger);
}

const tuningOf = (opts: TuningOptions): DataSourceTuning => ({
  timeoutMs: opts.timeoutMs,
  rateLimitPerMinute: opts.rateLimit,
  maxItemsPerEnvelope: opts.maxItems,
  breakerCoolDownSeconds: opts.breakerCoolDown,
});

interface AddOptions extends TuningOptions {
  name: string;
  kind: string;
  baseUrl: string;
  receiverId: string;
  callbackBase: string;
  senderId?: string;
  auth: string;
  tokenEnv?: string;
  tokenUrl?: string;
  clientId?: string;
  clientSecretEnv?: string;
  scope?: string;
  credentialLocation?: string;
  jwkFile?: string;
  jwksUrl?: string;
  profile?: string;
  encryptionJwkFile?: string;
  encryptionPolicy?: string;
  consentPurpose?: string;
  consentCode?: string;
  locale?: string;
  lowerCaseEventTypes?: boolean;
}

export function registerDataSources(program: Command): void {
  const cmd = program.command('datasources').description('manage the partner registries the gateway consumes (outbound DCI client)');

  const add = cmd
    .command('add')
    .description('register a data source; prints it as JSON (without secrets)')
    .requiredOption('--name <name>', 'unique name')
    .addOption(new Option('--kind <kind>', 'the DCI API it implements').choices([...REGISTRY_KINDS]).makeOptionMandatory())
    .requiredOption('--base-url <url>', "the registry's DCI base URL")
    .requiredOption('--receiver-id <id>', "the registry's sender id (its replies are signed under it)")
    .requiredOption('--callback-base <url>', 'our DCI receiver base as the registry reaches it, e.g. https://gateway.example/dci')
    .option('--sender-id <id>', 'our sender id at the registry (default: DCI_SENDER_ID)')
    .addOption(new Option('--auth <type>', 'how we authenticate').choices([...AUTH_TYPES]).default('none'))
    .option('--token-env <VAR>', 'bearer: environment variable holding the static token')
    .option('--token-url <url>', 'oauth2: token endpoint')
    .option('--client-id <id>', 'oauth2: client id')
    .option('--client-secret-env <VAR>', 'oauth2: environment variable holding the client secret')
    .option('--scope <scope>', 'oauth2: scope to request')
    .addOption(new Option('--credential-location <where>', 'oauth2: where the credentials go').choices([...CREDENTIAL_LOCATIONS]))
    .option('--jwk-file <file>', "file with the registry's public JWK, or a JWKS")
    .option('--jwks-url <url>', "the registry's JWKS URL")
    .addOption(new Option('--profile <name>', 'signing profile (default: default; none leaves replies unverified)').choices([...SIGNING_PROFILES]))
    .option('--encryption-jwk-file <file>', "file with the registry's public encryption JWK (use enc), or its JWKS")
    .addOption(
      new Option('--encryption-policy <policy>', 'never (default), accepted or required: whether its replies come encrypted; unless never, our requests are encrypted to the encryption key').choices([
        ...ENCRYPTION_POLICIES,
      ]),
    );
  withTuningOptions(add, true)
    .option('--consent-purpose <text>', 'quirk: consent block purpose text added to every search item')
    .option('--consent-code <code>', 'quirk: consent block purpose code')
    .option('--locale <code>', 'quirk: ISO 639-3 locale added to every search item')
    .option('--lower-case-event-types', 'quirk: send reg_event_type in lower case (OpenCRVS)', false)
    .action(async (opts: AddOptions) => {
      const input: DataSourceInput = {
        name: opts.name,
        kind: opts.kind,
        baseUrl: opts.baseUrl,
        receiverId: opts.receiverId,
        callbackBase: opts.callbackBase,
        senderId: opts.senderId,
        auth: {
          type: opts.auth,
          token: secretFromEnv(opts.tokenEnv, '--token-env'),
          tokenUrl: opts.tokenUrl,
          clientId: opts.clientId,
          clientSecret: secretFromEnv(opts.clientSecretEnv, '--client-secret-env'),
          scope: opts.scope,
          credentialLocation: opts.credentialLocation,
        },
        publicKeys: opts.jwkFile ? readJwkFile(opts.jwkFile) : undefined,
        jwksUrl: opts.jwksUrl,
        signingProfile: opts.profile,
        encryptionKey: readEncryptionJwk(opts.encryptionJwkFile),
        encryptionPolicy: opts.encryptionPolicy,
        ...tuningOf(opts),
        quirks: {
          ...(opts.consentPurpose && { consent: { purposeText: opts.consentPurpose, purposeCode: opts.consentCode ?? '' } }),
          locale: opts.locale,
          lowerCaseEventTypes: opts.lowerCaseEventTypes,
        },
      };
      print(publicDataSource(await withDataSources((models, settings) => addDataSource(models, settings, input, new Date()))));
    });

  cmd
    .command('list')
    .description('print every data source as JSON (never a secret)')
    .action(async () => {
      print((await withDataSources((models) => listDataSources(models))).map(publicDataSource));
    });

  const update = cmd
    .command('update')
    .description('change how a data source is called (only the options given); prints it as JSON')
    .requiredOption('--name <name>', 'the data source to change');
  withTuningOptions(update, false)
    .action(async (opts: TuningOptions & { name: string }) => {
      const tuning = tuningOf(opts);
      if (Object.values(tuning).every((v) => v === undefined)) throw new Error('datasources update: give at least one of --timeout-ms, --rate-limit, --max-items, --breaker-cool-down');
      print(publicDataSource(await withDataSources((models) => tuneDataSource(models, opts.name, tuning, new Date()))));
    });

  cmd
    .command('disable')
    .description('disable a data source; prints it as JSON')
    .requiredOption('--name <name>', 'the data source to disable')
    .action(async (opts: { name: string }) => {
      print(publicDataSource(await withDataSources((models) => disableDataSource(models, opts.name, new Date()))));
    });
}
