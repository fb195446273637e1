import { Command } from 'commander';
import { JWKS_MAX_AGE_SECONDS, KeyInfo, KeyRing, PUBLISH_AHEAD_MS, publicKeyPem } from '../../../adapters/dci/protocol/keys';
import { DEFAULT_TOKEN_KEY_GRACE_HOURS, rotateTokenKey } from '../../auth/tokens';
import { badOption, loadRuntime } from '../runtime';

/**
 * `active-from`: when the key signs (or is offered for encryption) from; `retire-after`: when a
 * retired key leaves the JWKS and stops verifying, null for a key not retired.
 */
const view = (key: KeyInfo) => ({
  kid: key.kid,
  algorithm: key.algorithm,
  use: key.use,
  status: key.status,
  created: key.createdAt.toISOString(),
  'active-from': key.activeFrom.toISOString(),
  'retire-after': key.dropsAt?.toISOString() ?? null,
});

/** Two weeks: a partner that pinned our keys has that long to install the new ones. */
const MAX_SIGN_AFTER_MINUTES = 14 * 24 * 60;
/** A year: the longest a token signed by a rotated key stays valid. */
const MAX_TOKEN_KEY_GRACE_HOURS = 365 * 24;

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description("manage the gateway's own keys: DCI signing (Ed25519, and RSA for RS256 partners) and encryption (X25519, and RSA for RSA-OAEP-256 partners), kept in DATA_DIR/keys; and the bearer tokens' key, in DATA_DIR/auth");

  keys
    .command('list')
    .description('print the keys as JSON: kid, algorithm, use (sig or enc), status, created, retire-after (keys are created on first use)')
    .option('--pem', 'print the public keys as PEM instead (as OpenSPP keeps partner keys), each after a line naming its kid, algorithm and status')
    .action(async (opts: { pem?: boolean }) => {
      const { config } = loadRuntime();
      const ring = await KeyRing.open(config.dataDir);
      if (!opts.pem) return void process.stdout.write(`${JSON.stringify(ring.listKeys().map(view))}\n`);
      const published = new Map(ring.jwks().keys.map((jwk) => [jwk.kid, jwk]));
      // Text before a PEM block is ignored by PEM readers (RFC 7468), so the whole output stays readable by them.
      const blocks = ring.listKeys().map((key) => `kid: ${key.kid} algorithm: ${key.algorithm} status: ${key.status}\n${publicKeyPem(published.get(key.kid)!)}`);
      process.stdout.write(blocks.join(''));
    });

  keys
    .command('rotate')
    .description(
      'make a new key of each kind, published in the JWKS at once. The new encryption keys are offered at once; the new signing keys sign ' +
        `from ${PUBLISH_AHEAD_MS / 60_000} minutes on, once partners' cached copies of our JWKS (max-age ${JWKS_MAX_AGE_SECONDS} s) hold them, and the previous ones until then. ` +
        'The previous keys stay in the JWKS until their retire-after. Prints the keys as JSON',
    )
    .option('--sign-after <minutes>', `when the new signing keys start signing, from ${PUBLISH_AHEAD_MS / 60_000} to ${MAX_SIGN_AFTER_MINUTES} minutes: long enough for partners that pinned our keys to install them (keys list --pem)`, String(PUBLISH_AHEAD_MS / 60_000))
    .option(
      '--revoke',
      'for a key that may have leaked: sign with the new keys at once and delete every earlier key, which leaves the JWKS and verifies or decrypts nothing more ' +
        '(partners with a cached JWKS must fetch it again to verify us; what was signed with or encrypted to the earlier keys just before is refused)',
    )
    .action(async (opts: { revoke?: boolean; signAfter: string }) => {
      const minutes = Number(opts.signAfter);
      if (!/^\d+$/.test(opts.signAfter) || minutes < PUBLISH_AHEAD_MS / 60_000 || minutes > MAX_SIGN_AFTER_MINUTES) {
        throw badOption(`--sign-after must be a whole number of minutes from ${PUBLISH_AHEAD_MS / 60_000} to ${MAX_SIGN_AFTER_MINUTES}, got "${opts.signAfter}"`);
      }
      const { config } = loadRuntime();
      const ring = await KeyRing.open(config.dataDir);
      await ring.rotateKeys({ revoke: opts.revoke === true, publishAheadMs: minutes * 60_000 });
      process.stdout.write(`${JSON.stringify(ring.listKeys().map(view))}\n`);
    });

  keys
    .command('rotate-token-key')
    .description(
      'make a new key for the bearer tokens the gateway issues (users\', partners\'); the previous key keeps verifying the tokens it signed for --grace-hours, ' +
        '0 revokes every token issued so far. Running gateways use the new key within seconds. Prints the new kid and the retired keys that still verify',
    )
    .option('--grace-hours <hours>', 'how long tokens signed with the previous key stay valid (at most their own lifetime)', String(DEFAULT_TOKEN_KEY_GRACE_HOURS))
    .action(async (opts: { graceHours: string }) => {
      if (!/^\d+$/.test(opts.graceHours) || Number(opts.graceHours) > MAX_TOKEN_KEY_GRACE_HOURS) {
        throw badOption(`--grace-hours must be a whole number of hours from 0 (revokes every token) to ${MAX_TOKEN_KEY_GRACE_HOURS}, got "${opts.graceHours}"`);
      }
      const { config } = loadRuntime();
      const rotated = await rotateTokenKey(config.dataDir, Number(opts.graceHours) * 3_600_000);
      process.stdout.write(`${JSON.stringify({ kid: rotated.kid, retired: rotated.retired.map((key) => ({ kid: key.kid, 'verifies-until': key.verifiesUntil })) })}\n`);
    });
}
