import { Command, Option } from 'commander';
import { SecretBox } from '../../dataSources/secretBox';
import { addDataSource, DataSourceInput, DataSourceUpdate, disableDataSource, listDataSources, publicDataSource, updateDataSource } from '../../dataSources/service';
import { DATA_SOURCE_STATUSES, type DataSourceDoc, type DataSourceQuirksDoc } from '../../store/models/dataSource';
import type { QuirksInput } from '../../dataSources/input';
import { badInput } from '../../errors';
import type { DataSourceSettings } from '../../dataSources/settings';
import type { RegistryModels } from '../../store/models';
import { REGISTRY_KINDS } from '../../../adapters/dci/client/dataSource';
import { SIGNING_PROFILES } from '../../store/models/partner';
import { ENCRYPTION_POLICIES } from '../../../adapters/dci/protocol/encryption';
import { readEncryptionJwk, readJwkFile } from './partners';
import { authFromOptions, withAuthOptions } from '../authOptions';
import type { Change } from '../../audit/configChanges';
import { badOption, positiveInteger, printJson as print, withRecordedChange, withStore } from '../runtime';

/** A recorded change (withRecordedChange), with the secret box of DATA_DIR for the data sources' credentials. */
function changeDataSource<T>(change: Omit<Change, 'target'>, work: (models: RegistryModels, settings: DataSourceSettings) => Promise<T>): Promise<T> {
  return withRecordedChange({ target: 'data_source', ...change }, ({ config, models }) => work(models, { box: SecretBox.open(config.dataDir), defaultSenderId: config.dciSenderId }));
}

const ENCRYPTION_POLICY_HELP = 'never (default), accepted or required: whether its replies come encrypted; unless never, our requests are encrypted to the encryption key';

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

/** The registry's keys and our encryption to it; `update` replaces what is given. */
function withKeyOptions(command: Command, replaces: boolean): Command {
  return command
    .option('--jwk-file <file>', replaces ? "replaces the pinned keys with the registry's public JWK, or a JWKS" : "file with the registry's public JWK, or a JWKS")
    .option('--jwks-url <url>', "the registry's JWKS URL")
    .addOption(new Option('--profile <name>', replaces ? 'signing profile' : 'signing profile (default: default; none leaves replies unverified)').choices([...SIGNING_PROFILES]))
    .option('--encryption-jwk-file <file>', `${replaces ? 'replaces the encryption key with ' : ''}the registry's public encryption JWK (use enc) of this file, or its JWKS`)
    .addOption(new Option('--encryption-policy <policy>', ENCRYPTION_POLICY_HELP).choices([...ENCRYPTION_POLICIES]));
}

/** Where the registry is, its keys, and how it is called: what both `add` and `update` take. */
interface SourceOptions extends TuningOptions {
  name: string;
  receiverId?: string;
  callbackBase?: string;
  senderId?: string;
  jwkFile?: string;
  jwksUrl?: string;
  profile?: string;
  encryptionJwkFile?: string;
  encryptionPolicy?: string;
}

/** What `add` and `update` read alike from their options; undefined where not given. */
const sourceFieldsOf = (opts: SourceOptions) => ({
  receiverId: opts.receiverId,
  callbackBase: opts.callbackBase,
  senderId: opts.senderId,
  publicKeys: opts.jwkFile ? readJwkFile(opts.jwkFile) : undefined,
  jwksUrl: opts.jwksUrl,
  signingProfile: opts.profile,
  encryptionKey: readEncryptionJwk(opts.encryptionJwkFile),
  encryptionPolicy: opts.encryptionPolicy,
  timeoutMs: opts.timeoutMs,
  rateLimitPerMinute: opts.rateLimit,
  maxItemsPerEnvelope: opts.maxItems,
  breakerCoolDownSeconds: opts.breakerCoolDown,
});

interface AddOptions extends SourceOptions, QuirkOptions {
  kind: string;
  baseUrl: string;
  receiverId: string;
  callbackBase: string;
}

/** The quirks `add` and `update` take; `update` also takes a `--no-…` form of each, which removes it or turns it off. */
function withQuirkOptions(command: Command, forUpdate: boolean): Command {
  command
    .option('--consent-purpose <text>', 'quirk: the consent block purpose text added to every search item')
    .option('--consent-code <code>', 'quirk: the consent block purpose code')
    .option('--locale <code>', 'quirk: ISO 639-3 locale added to every search item')
    // No default: left out, the quirk stays as it is (update) or off (add), and is not recorded as given.
    .option('--lower-case-event-types', 'quirk: send reg_event_type in lower case (OpenCRVS)');
  if (!forUpdate) return command;
  return command
    .option('--no-consent', 'quirk: no consent block any more')
    .option('--no-locale', 'quirk: no locale any more')
    .option('--no-lower-case-event-types', 'quirk: send reg_event_type as the standard writes it');
}

/** The quirk flags: each changes one quirk (`--no-…`, update only, removes or turns it off); consent is false for --no-consent. */
interface QuirkOptions {
  consentPurpose?: string;
  consentCode?: string;
  consent?: boolean;
  locale?: string | false;
  lowerCaseEventTypes?: boolean;
}

/** A new data source's quirks before its flags: none. */
const NO_QUIRKS: DataSourceQuirksDoc = { lowerCaseEventTypes: false };

/** The quirks after the flags given, from the current ones; undefined when no quirk flag is given. */
function quirksChange(opts: QuirkOptions): ((current: DataSourceQuirksDoc) => QuirksInput) | undefined {
  const consentGiven = opts.consentPurpose !== undefined || opts.consentCode !== undefined;
  if (consentGiven && opts.consent === false) throw badOption('--no-consent removes the consent block: give it without --consent-purpose and --consent-code');
  if (!consentGiven && opts.consent !== false && opts.locale === undefined && opts.lowerCaseEventTypes === undefined) return undefined;
  return (current) => {
    let consent = opts.consent === false ? null : (current.consent ?? null);
    if (consentGiven) {
      const purposeText = opts.consentPurpose ?? consent?.purposeText;
      const purposeCode = opts.consentCode ?? consent?.purposeCode;
      if (purposeText === undefined || purposeCode === undefined) {
        throw badInput(purposeText === undefined ? '--consent-purpose' : '--consent-code', 'is needed too: the data source has no consent block yet');
      }
      consent = { ...consent, purposeText, purposeCode };
    }
    return { consent, locale: opts.locale === false ? null : (opts.locale ?? current.locale ?? null), lowerCaseEventTypes: opts.lowerCaseEventTypes ?? current.lowerCaseEventTypes };
  };
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
    .option('--sender-id <id>', 'our sender id at the registry (default: DCI_SENDER_ID)');
  withAuthOptions(add, '', 'how we authenticate', 'none');
  withKeyOptions(add, false);
  withQuirkOptions(withTuningOptions(add, true), false).action(async (opts: AddOptions) => {
    const input: DataSourceInput = {
      ...sourceFieldsOf(opts),
      name: opts.name,
      kind: opts.kind,
      baseUrl: opts.baseUrl,
      receiverId: opts.receiverId,
      callbackBase: opts.callbackBase,
      auth: authFromOptions(opts, ''),
      quirks: quirksChange(opts)?.(NO_QUIRKS),
    };
    print(publicDataSource(await changeDataSource({ name: opts.name, action: 'created', input }, (models, settings) => addDataSource(models, settings, input, new Date()))));
  });

  cmd
    .command('list')
    .description('print every data source as JSON (never a secret)')
    .action(async () => {
      print((await withStore(({ models }) => listDataSources(models))).map(publicDataSource));
    });

  const update = cmd
    .command('update')
    .description('change a data source; options left out stay as they are. Prints it as JSON (never a secret)')
    .requiredOption('--name <name>', 'the data source to change')
    .addOption(new Option('--status <status>', 'disabled: calls through it fail; active: they resume').choices([...DATA_SOURCE_STATUSES]))
    .option('--base-url <url>', "the registry's new DCI base URL")
    .option('--receiver-id <id>', "the registry's sender id")
    .option('--callback-base <url>', 'our DCI receiver base as the registry reaches it')
    .option('--sender-id <id>', 'our sender id at the registry');
  withAuthOptions(update, '', 'replaces our credentials at the registry (none removes them), with the auth options below');
  withKeyOptions(update, true);
  withQuirkOptions(withTuningOptions(update, false), true).action(async (opts: SourceOptions & QuirkOptions & { status?: string; baseUrl?: string }) => {
    const changes: DataSourceUpdate = {
      ...sourceFieldsOf(opts),
      status: opts.status,
      baseUrl: opts.baseUrl,
      auth: authFromOptions(opts, ''),
    };
    const quirks = quirksChange(opts);
    if (Object.values(changes).every((v) => v === undefined) && !quirks) throw badOption('datasources update: give at least one option to change besides --name (see --help)');
    // The quirks not named keep their current values, read with the rest of the data source.
    const update = (current: DataSourceDoc) => ({ ...changes, ...(quirks && { quirks: quirks(current.quirks) }) });
    // The configuration audit keeps the names of the fields given, not their values.
    const given = { ...changes, ...(quirks && { quirks }) };
    print(publicDataSource(await changeDataSource({ name: opts.name, action: 'updated', input: given }, (models, settings) => updateDataSource(models, settings, opts.name, update, new Date()))));
  });

  cmd
    .command('disable')
    .description('disable a data source; prints it as JSON')
    .requiredOption('--name <name>', 'the data source to disable')
    .action(async (opts: { name: string }) => {
      // Without the secret box: disabling seals nothing (opening it creates its key file in DATA_DIR on first use).
      print(publicDataSource(await withRecordedChange({ target: 'data_source', name: opts.name, action: 'disabled' }, ({ models }) => disableDataSource(models, opts.name, new Date()))));
    });
}
