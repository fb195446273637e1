/**
 * The options of a credential the gateway presents elsewhere: ours at a data source (`--auth …`) and
 * ours at a partner's callback endpoint (`--callback-auth …`). The type and its details go together,
 * and secrets come only from environment variables, never from the command line.
 */
import { Command, Option } from 'commander';
import type { OutboundAuthInput } from '../partners/input';
import { AUTH_TYPES } from '../store/models/outboundAuth';
import { CREDENTIAL_LOCATIONS } from '../../adapters/dci/client/dataSource';
import { secretFromEnv } from './runtime';

/** '' gives `--auth`, `--token-env`…; 'callback' gives `--callback-auth`, `--callback-token-env`…. */
export type AuthPrefix = '' | 'callback';

const DETAILS = [
  { name: 'token-env', arg: '<VAR>', help: 'bearer: environment variable holding the static token', secret: 'token' },
  { name: 'token-url', arg: '<url>', help: 'oauth2: the token endpoint', field: 'tokenUrl' },
  { name: 'client-id', arg: '<id>', help: 'oauth2: our client id there', field: 'clientId' },
  { name: 'client-secret-env', arg: '<VAR>', help: 'oauth2: environment variable holding our client secret', secret: 'clientSecret' },
  { name: 'scope', arg: '<scope>', help: 'oauth2: scope to request', field: 'scope' },
] as const;

const flag = (prefix: AuthPrefix, name: string) => `--${prefix ? `${prefix}-` : ''}${name}`;
/** The property commander gives an option: `--callback-token-env` is `callbackTokenEnv`. */
const key = (prefix: AuthPrefix, name: string) => flag(prefix, name).slice(2).replace(/-(.)/g, (_, c: string) => c.toUpperCase());

/** `byDefault` makes the type optional (create); without it, the type is given or the credentials stay (update). */
export function withAuthOptions(command: Command, prefix: AuthPrefix, help: string, byDefault?: string): Command {
  const type = new Option(`${flag(prefix, 'auth')} <type>`, help).choices([...AUTH_TYPES]);
  command.addOption(byDefault ? type.default(byDefault) : type);
  for (const d of DETAILS) command.option(`${flag(prefix, d.name)} ${d.arg}`, d.help);
  return command.addOption(new Option(`${flag(prefix, 'credential-location')} <where>`, 'oauth2: where the credentials go (default: body)').choices([...CREDENTIAL_LOCATIONS]));
}

/** The credentials the options give, or undefined when no type is given (then no detail may be). */
export function authFromOptions(opts: object, prefix: AuthPrefix): OutboundAuthInput | undefined {
  const values = opts as Record<string, string | undefined>;
  const type = values[key(prefix, 'auth')];
  const location = values[key(prefix, 'credential-location')];
  if (type === undefined) {
    const given = [...DETAILS.map((d) => d.name), 'credential-location'].filter((name) => values[key(prefix, name)] !== undefined);
    if (given.length > 0) throw new Error(`${flag(prefix, given[0])} replaces the credentials as a whole: give ${flag(prefix, 'auth')} with it`);
    return undefined;
  }
  const auth: OutboundAuthInput = { type, credentialLocation: location };
  for (const d of DETAILS) {
    const value = values[key(prefix, d.name)];
    if ('secret' in d) auth[d.secret] = secretFromEnv(value, flag(prefix, d.name));
    else auth[d.field] = value;
  }
  return auth;
}
