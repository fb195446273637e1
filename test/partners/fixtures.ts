import { generateKeyPairSync } from 'node:crypto';

/** A fresh partner public key, as a partner would hand it over. */
export function ed25519Jwk(kid: string) {
  return { ...generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }), kid };
}
