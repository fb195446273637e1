/**
 * Encrypted messages as the registries handle them (SPEC-NOTES 1.6): each registry has an X25519 key
 * (`use: enc`, ECDH-ES+A256KW, content A256GCM) published beside its signing key. A request that comes
 * encrypted is decrypted after its signature is checked, and everything answering it (the sync reply
 * or the callback) is encrypted to the gateway's encryption key from the gateway's JWKS. Requests in
 * clear are answered in clear, and notifications go in clear.
 */
import { createHash, createPublicKey, generateKeyPairSync, JsonWebKey, KeyObject } from 'node:crypto';
import { FlattenedEncrypt, flattenedDecrypt, type FlattenedJWE } from 'jose';
import { BadRequest, isObject, Json } from './envelope';

const ALG = 'ECDH-ES+A256KW';
const ENC = 'A256GCM';

export interface RegistryEncryptionKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JsonWebKey & { kty: 'OKP'; crv: 'X25519'; x: string; kid: string; alg: typeof ALG; use: 'enc' };
}

export function newEncryptionKey(): RegistryEncryptionKey {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const x = publicKey.export({ format: 'jwk' }).x!;
  const kid = createHash('sha256').update(JSON.stringify({ crv: 'X25519', kty: 'OKP', x })).digest('base64url');
  return { kid, privateKey, publicJwk: { kty: 'OKP', crv: 'X25519', x, kid, alg: ALG, use: 'enc' } };
}

/** The plaintext message of an EncryptedMessage addressed to this registry's key; BadRequest `err.encryption.invalid` otherwise. */
export async function decryptMessage(message: unknown, key: RegistryEncryptionKey): Promise<Json> {
  const header = isObject(message) && isObject(message.header) ? message.header : undefined;
  if (!header || header.kid !== key.kid || header.alg !== ALG || header.enc !== ENC) {
    throw new BadRequest(`the message must be encrypted to key ${key.kid} with ${ALG} and ${ENC}`, 'err.encryption.invalid');
  }
  try {
    const { plaintext } = await flattenedDecrypt(message as unknown as FlattenedJWE, key.privateKey, { keyManagementAlgorithms: [ALG], contentEncryptionAlgorithms: [ENC] });
    const parsed: unknown = JSON.parse(Buffer.from(plaintext).toString('utf8'));
    if (!isObject(parsed)) throw new Error('not an object');
    return parsed;
  } catch {
    throw new BadRequest('the message does not decrypt', 'err.encryption.invalid');
  }
}

/** `message` encrypted to a recipient's X25519, P-256 (ECDH-ES+A256KW) or RSA (RSA-OAEP-256) key. */
export async function encryptMessage(message: unknown, jwk: JsonWebKey & { kid: string }): Promise<Json> {
  const alg = jwk.kty === 'RSA' ? 'RSA-OAEP-256' : ALG;
  const jwe = await new FlattenedEncrypt(Buffer.from(JSON.stringify(message), 'utf8'))
    .setUnprotectedHeader({ alg, enc: ENC, kid: jwk.kid })
    .encrypt(createPublicKey({ key: jwk, format: 'jwk' }));
  return jwe as unknown as Json;
}
