import fs from 'node:fs';
import { Command, Option } from 'commander';
import { SecretBox } from '../../dataSources/secretBox';
import type { DisclosureInput } from '../../partners/input';
import { createPartner, disablePartner, listPartners, PartnerInput, PartnerUpdate, publicPartner, rotateClientSecret, updatePartner } from '../../partners/service';
import { PARTNER_SCOPES, SIGNING_PROFILES } from '../../store/models/partner';
import { PURPOSE_REFUSALS } from '../../../adapters/dci/server/purpose';
import type { PurposesInput } from '../../partners/input';
import { ENCRYPTION_POLICIES } from '../../../adapters/dci/protocol/encryption';
import { authFromOptions, withAuthOptions } from '../authOptions';
import type { Change } from '../../audit/configChanges';
import { badOption, positiveInteger, printJson as print, type StoreSession, withRecordedChange, withStore } from '../runtime';

/** A change to a partner, recorded in the configuration audit (withRecordedChange). */
const changePartner = <T>(change: Omit<Change, 'target'>, work: (session: StoreSession) => Promise<T>) => withRecordedChange({ target: 'partner', ...change }, work);

/** A JWK file holds one public JWK or a JWKS (`{"keys": [...]}`). */
export function readJwkFile(file: string, option = '--jwk-file'): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw badOption(`${option} ${file}: ${(error as NodeJS.ErrnoException).code ? 'cannot be read' : 'is not JSON'}`);
  }
  const keys = (parsed as { keys?: unknown }).keys;
  return Array.isArray(keys) ? keys : [parsed];
}

/** A partner's or registry's encryption key: the one key of a JWK file, or the one `use: enc` key of a JWKS. */
export function readEncryptionJwk(file: string | undefined): unknown {
  if (!file) return undefined;
  const keys = readJwkFile(file, '--encryption-jwk-file');
  const enc = keys.length === 1 ? keys : keys.filter((k) => (k as { use?: unknown }).use === 'enc');
  if (enc.length !== 1) throw badOption(`--encryption-jwk-file ${file}: holds ${enc.length} keys with use enc; give one`);
  return enc[0];
}

const ENCRYPTION_POLICY_HELP = 'never (default): encrypted messages refused; accepted: encrypted and plaintext accepted; required: plaintext refused. Unless never, what we send is encrypted to the encryption key';

/** `--disclose` names, as an operator types them, and the disclosure fields they set. */
const DISCLOSE_FIELDS: Record<string, Exclude<keyof DisclosureInput, 'identifierTypes'>> = {
  names: 'names',
  'birth-date': 'birthDate',
  sex: 'sex',
  address: 'address',
  phone: 'phone',
  email: 'email',
  identifiers: 'identifiers',
  'group-members': 'groupMembers',
  'group-head': 'groupHead',
};
const DISCLOSE_HELP =
  'disclosure changes as field=level (level: given, masked, omitted; field: ' +
  `${Object.keys(DISCLOSE_FIELDS).join(', ')}, or identifiers.TYPE such as identifiers.UIN, which together replace the per-type list)`;

/** `names=masked identifiers.UIN=given …` as a DisclosureInput; the levels are checked by the partner service. */
function readDisclose(entries: string[] | undefined): DisclosureInput | undefined {
  if (!entries) return undefined;
  const input: DisclosureInput = {};
  for (const entry of entries) {
    const [field, level, ...rest] = entry.split('=');
    if (level === undefined || rest.length > 0) throw badOption(`--disclose ${entry}: write field=level`);
    if (field.startsWith('identifiers.')) input.identifierTypes = [...(input.identifierTypes ?? []), { type: field.slice('identifiers.'.length), level }];
    else if (Object.hasOwn(DISCLOSE_FIELDS, field)) input[DISCLOSE_FIELDS[field]] = level;
    else throw badOption(`--disclose ${entry}: unknown field ${field} (use ${Object.keys(DISCLOSE_FIELDS).join(', ')} or identifiers.TYPE)`);
  }
  return input;
}

interface AddOptions {
  senderId: string;
  jwkFile?: string;
  jwksUrl?: string;
  callbackBase: string;
  scopes?: string[];
  profile?: string;
  encryptionJwkFile?: string;
  encryptionPolicy?: string;
  name?: string;
  pii?: boolean;
  disclose?: string[];
  purposes?: string[];
  purposeRequired?: boolean;
  purposeRefusal?: string;
  queryAttributes?: string[];
  rateLimit?: number;
}

interface UpdateOptions {
  senderId: string;
  name?: string;
  status?: string;
  jwkFile?: string;
  jwksUrl?: string;
  callbackBase?: string;
  scopes?: string[];
  profile?: string;
  encryptionJwkFile?: string;
  encryptionPolicy?: string;
  queryAttributes?: string[];
  rateLimit?: number;
  pii?: boolean;
  disclose?: string[];
  purposes?: string[];
  purposeRequired?: boolean;
  purposeRefusal?: string;
}

/** The purpose options as a PurposesInput, or undefined when none is given; the codes are checked by the partner service. */
function readPurposes(opts: { purposes?: string[]; purposeRequired?: boolean; purposeRefusal?: string }): PurposesInput | undefined {
  if (opts.purposes === undefined && opts.purposeRequired === undefined && opts.purposeRefusal === undefined) return undefined;
  return { codes: opts.purposes, required: opts.purposeRequired, refusal: opts.purposeRefusal };
}
const PURPOSES_HELP = 'purpose codes its requests may give (consent.purpose.code, authorize.purpose.code); replaces the list';
const PURPOSE_REFUSAL_HELP = 'what a request whose purpose is missing (when required) or not listed gets';

export function registerPartners(program: Command): void {
  const partners = program.command('partners').description('manage the partner systems allowed to call the DCI APIs');

  const add = partners
    .command('add')
    .description('register a partner; prints {sender_id, client_id, client_secret} as JSON (the secret is shown only this once)')
    .requiredOption('--sender-id <id>', 'the DCI header.sender_id the partner sends as')
    .option('--jwk-file <file>', "file with the partner's public JWK, or a JWKS")
    .option('--jwks-url <url>', "the partner's JWKS URL (https; http for loopback hosts only)")
    .requiredOption('--callback-base <url>', 'base URL its callbacks (header.sender_uri) must lie under (https; http for loopback hosts only)')
    .addOption(new Option('--scopes <scopes...>', 'DCI scopes granted (default: dci:search)').choices([...PARTNER_SCOPES]))
    .addOption(new Option('--profile <name>', 'signing profile (default: default; none accepts unsigned messages)').choices([...SIGNING_PROFILES]))
    .option('--encryption-jwk-file <file>', "file with the partner's public encryption JWK (use enc), or its JWKS")
    .addOption(new Option('--encryption-policy <policy>', ENCRYPTION_POLICY_HELP).choices([...ENCRYPTION_POLICIES]))
    .option('--name <text>', 'display name (default: the sender id)')
    .option('--pii', 'start the disclosure from every field given (default: names, birth date, address line, phone, e-mail and identifier values masked)')
    .option('--disclose <field=level...>', DISCLOSE_HELP)
    .option('--purposes <codes...>', `${PURPOSES_HELP} (default: none, purposes recorded but not checked)`)
    .option('--purpose-required', 'personal data only for a request giving one of --purposes')
    .addOption(new Option('--purpose-refusal <what>', `${PURPOSE_REFUSAL_HELP} (default: no_personal_data)`).choices([...PURPOSE_REFUSALS]))
    .option('--query-attributes <names...>', 'DCI attributes it may search on (default: UIN BRN NATIONAL_ID HOUSEHOLD_ID age birth_date sex location group_size poverty_score)')
    .option('--rate-limit <perMinute>', 'DCI requests per minute (default: 600)', positiveInteger);
  withAuthOptions(add, 'callback', 'how our callbacks and notifications authenticate at the partner', 'none')
    .action(async (opts: AddOptions) => {
      if (!opts.jwkFile && !opts.jwksUrl && opts.profile !== 'none') {
        throw badOption('one of --jwk-file and --jwks-url is required (unless --profile none)');
      }
      const input: PartnerInput = {
        senderId: opts.senderId,
        displayName: opts.name,
        publicKeys: opts.jwkFile ? readJwkFile(opts.jwkFile) : undefined,
        jwksUrl: opts.jwksUrl,
        signingProfile: opts.profile,
        encryptionKey: readEncryptionJwk(opts.encryptionJwkFile),
        encryptionPolicy: opts.encryptionPolicy,
        callbackBase: opts.callbackBase,
        callbackAuth: authFromOptions(opts, 'callback'),
        scopes: opts.scopes,
        queryAttributes: opts.queryAttributes,
        pii: opts.pii,
        disclosure: readDisclose(opts.disclose),
        purposes: readPurposes(opts),
        rateLimitPerMinute: opts.rateLimit,
      };
      const created = await changePartner({ name: opts.senderId, action: 'created', input }, ({ config, models }) => createPartner(models, input, new Date(), SecretBox.open(config.dataDir)));
      print({ sender_id: created.partner.senderId, client_id: created.clientId, client_secret: created.clientSecret });
    });

  const update = partners
    .command('update')
    .description('change a registered partner; options left out stay as they are. Prints the partner as JSON (never a secret)')
    .requiredOption('--sender-id <id>', 'the partner to change')
    .option('--name <text>', 'display name')
    .addOption(new Option('--status <status>', 'active or disabled').choices(['active', 'disabled']))
    .option('--jwk-file <file>', "replaces the pinned keys with the partner's public JWK, or a JWKS")
    .option('--jwks-url <url>', "the partner's JWKS URL (https; http for loopback hosts only)")
    .option('--callback-base <url>', 'base URL its callbacks must lie under')
    .addOption(new Option('--scopes <scopes...>', 'DCI scopes granted').choices([...PARTNER_SCOPES]))
    .addOption(new Option('--profile <name>', 'signing profile').choices([...SIGNING_PROFILES]))
    .option('--encryption-jwk-file <file>', "replaces the partner's encryption key with the use enc key of this JWK or JWKS file")
    .addOption(new Option('--encryption-policy <policy>', ENCRYPTION_POLICY_HELP).choices([...ENCRYPTION_POLICIES]))
    .option('--query-attributes <names...>', 'DCI attributes it may search on')
    .option('--rate-limit <perMinute>', 'DCI requests per minute', positiveInteger)
    .option('--pii', 'start the disclosure over from every field given')
    .option('--no-pii', 'start the disclosure over from the masked profile')
    .option('--disclose <field=level...>', DISCLOSE_HELP)
    .option('--purposes <codes...>', PURPOSES_HELP)
    .option('--purpose-required', 'personal data only for a request giving one of the purposes')
    .option('--no-purpose-required', 'personal data also for a request giving no purpose')
    .addOption(new Option('--purpose-refusal <what>', PURPOSE_REFUSAL_HELP).choices([...PURPOSE_REFUSALS]));
  withAuthOptions(update, 'callback', 'replaces how our callbacks and notifications authenticate at the partner (none removes it), with the callback options below')
    .action(async (opts: UpdateOptions) => {
      const input: PartnerUpdate = {
        displayName: opts.name,
        status: opts.status,
        publicKeys: opts.jwkFile ? readJwkFile(opts.jwkFile) : undefined,
        jwksUrl: opts.jwksUrl,
        callbackBase: opts.callbackBase,
        scopes: opts.scopes,
        signingProfile: opts.profile,
        encryptionKey: readEncryptionJwk(opts.encryptionJwkFile),
        encryptionPolicy: opts.encryptionPolicy,
        queryAttributes: opts.queryAttributes,
        rateLimitPerMinute: opts.rateLimit,
        pii: opts.pii,
        disclosure: readDisclose(opts.disclose),
        purposes: readPurposes(opts),
        callbackAuth: authFromOptions(opts, 'callback'),
      };
      // The secret box (created in DATA_DIR on first use) only for credentials to seal.
      print(publicPartner(await changePartner({ name: opts.senderId, action: 'updated', input }, ({ config, models }) => updatePartner(models, opts.senderId, input, new Date(), input.callbackAuth ? SecretBox.open(config.dataDir) : undefined))));
    });

  partners
    .command('list')
    .description('print every partner as JSON (never a secret)')
    .action(async () => {
      print((await withStore(({ models }) => listPartners(models))).map(publicPartner));
    });

  partners
    .command('rotate-secret')
    .description('a new client secret for the same client id: the old one stops working at once (tokens already issued run to their hour). Prints {sender_id, client_id, client_secret} as JSON; the secret is shown only this once')
    .requiredOption('--sender-id <id>', 'the partner whose secret to replace')
    .action(async (opts: { senderId: string }) => {
      const rotated = await changePartner({ name: opts.senderId, action: 'secret_rotated' }, ({ models }) => rotateClientSecret(models, opts.senderId, new Date()));
      print({ sender_id: opts.senderId, client_id: rotated.clientId, client_secret: rotated.clientSecret });
    });

  partners
    .command('disable')
    .description('disable a partner: its credentials stop working for new tokens; prints the partner as JSON')
    .requiredOption('--sender-id <id>', 'the partner to disable')
    .action(async (opts: { senderId: string }) => {
      print(publicPartner(await changePartner({ name: opts.senderId, action: 'disabled' }, ({ models }) => disablePartner(models, opts.senderId, new Date()))));
    });
}
