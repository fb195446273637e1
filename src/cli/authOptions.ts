/**
 * The options of a credential the gateway presents elsewhere: ours at a data source (`--auth …`) and
 * ours at a partner's callback endpoint (`--callback-auth …`). The type and its details go together,
 * and secrets come only from environment variables, never from the command line.
 */
import { Command, Option } from 'commander';
import { AUTH_FIELDS, type OutboundAuthInput } from '../partners/input';
import { AUTH_TYPES } from '../store/models/outboundAuth';
import { CREDENTIAL_LOCATIONS } from '../../adapters/dci/client/dataSource';
import { badOption, secretFromEnv } from './runtime';

/** '' gives `--auth`, `--token-env`…; 'callback' gives `--callback-auth`, `--callback-token-env`…. */
export type AuthPrefix = '' | 'callback';

const DETAILS = [
  { name: 'token-env', arg: '<VAR>', help: 'environment variable holding the static token', secret: 'token' },
  { name: 'token-url', arg: '<url>', help: 'the token endpoint', field: 'tokenUrl' },
  { name: 'client-id', arg: '<id>', help: 'our client id there', field: 'clientId' },
  { name: 'client-secret-env', arg: '<VAR>', help: 'environment variable holding our client secret', secret: 'clientSecret' },
  { name: 'scope', arg: '<scope>', help: 'scope to request', field: 'scope' },
  { name: 'credential-location', arg: '<where>', help: 'where the credentials go (default: body)', field: 'credentialLocation' },
] as const;
type Detail = (typeof DETAILS)[number];

/** The type of credential a detail belongs to (each belongs to one). */
const typeOf = (d: Detail) => AUTH_TYPES.find((type) => AUTH_FIELDS[type].includes('secret' in d ? d.secret : d.field))!;

const flag = (prefix: AuthPrefix, name: string) => `--${prefix ? `${prefix}-` : ''}${name}`;
/** The property commander gives an option: `--callback-token-env` is `callbackTokenEnv`. */
const key = (prefix: AuthPrefix, name: string) => flag(prefix, name).slice(2).replace(/-(.)/g, (_, c: string) => c.toUpperCase());

/**
 * `byDefault` (create) names the type used when none is given, in the help only: a type the operator
 * did not give is left out of the input, so the configuration audit does not record it as given.
 */
export function withAuthOptions(command: Command, prefix: AuthPrefix, help: string, byDefault?: string): Command {
  command.addOption(new Option(`${flag(prefix, 'auth')} <type>`, byDefault ? `${help} (default: ${byDefault})` : help).choices([...AUTH_TYPES]));
  for (const d of DETAILS) {
    const option = new Option(`${flag(prefix, d.name)} ${d.arg}`, `${typeOf(d)}: ${d.help}`);
    command.addOption(d.name === 'credential-location' ? option.choices([...CREDENTIAL_LOCATIONS]) : option);
  }
  return command;
}

/**
 * The credentials the options give, or undefined when no type is given (then no detail may be). A
 * detail of another type than the one given is refused, not dropped.
 */
export function authFromOptions(opts: object, prefix: AuthPrefix): OutboundAuthInput | undefined {
  const values = opts as Record<string, string | undefined>;
  const type = values[key(prefix, 'auth')];
  const given = DETAILS.filter((d) => values[key(prefix, d.name)] !== undefined);
  if (type === undefined) {
    if (given.length > 0) throw badOption(`${flag(prefix, given[0].name)} replaces the credentials as a whole: give ${flag(prefix, 'auth')} with it`);
    return undefined;
  }
  const foreign = given.find((d) => typeOf(d) !== type);
  if (foreign) throw badOption(`${flag(prefix, foreign.name)} is a detail of ${flag(prefix, 'auth')} ${typeOf(foreign)}, not of ${type}`);
  const auth: OutboundAuthInput = { type };
  for (const d of given) {
    const value = values[key(prefix, d.name)];
    if ('secret' in d) auth[d.secret] = secretFromEnv(value, flag(prefix, d.name));
    else auth[d.field] = value;
  }
  return auth;
}
