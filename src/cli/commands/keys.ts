import { Command } from 'commander';
import { KeyInfo, KeyRing } from '../../../adapters/dci/protocol/keys';
import { loadRuntime } from '../runtime';

/** `retire-after`: when a retired key leaves the JWKS and stops verifying; null for the active key. */
const view = (key: KeyInfo) => ({
  kid: key.kid,
  status: key.status,
  created: key.createdAt.toISOString(),
  'retire-after': key.dropsAt?.toISOString() ?? null,
});

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description("manage the gateway's own DCI signing keys (Ed25519, kept in DATA_DIR/keys)");

  keys
    .command('list')
    .description('print the signing keys as JSON: kid, status, created, retire-after (a key is created on first use)')
    .action(async () => {
      const { config } = loadRuntime();
      const ring = await KeyRing.open(config.dataDir);
      process.stdout.write(`${JSON.stringify(ring.listKeys().map(view))}\n`);
    });

  keys
    .command('rotate')
    .description('make a new active key; the previous one stays in the JWKS until its retire-after. Prints the keys as JSON')
    .action(async () => {
      const { config } = loadRuntime();
      const ring = await KeyRing.open(config.dataDir);
      await ring.rotateKeys();
      process.stdout.write(`${JSON.stringify(ring.listKeys().map(view))}\n`);
    });
}
