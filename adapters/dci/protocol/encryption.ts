/**
 * Encrypted messages (SPEC-NOTES 1.6): `message` replaced by the spec's `EncryptedMessage`, a JWE in
 * the RFC 7516 flattened JSON serialization whose per-recipient `header` holds `alg`, `enc` and the
 * recipient's `kid`. Content is always A256GCM; the key is wrapped with ECDH-ES+A256KW (X25519 or
 * P-256 recipient keys) or RSA-OAEP-256 (RSA keys). ECDH-ES's ephemeral public key (`epk`) travels
 * in the JWE's `protected` member, where jose puts it and where it is covered by the GCM tag; the
 * schema admits that member beside the spec's five.
 * The envelope is signed as sent, so the signature covers the encrypted form: a receiver verifies
 * first, then decrypts, then validates the plaintext message like any other.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { FlattenedEncrypt, flattenedDecrypt, type FlattenedJWE } from 'jose';
import type { EncryptedMessage } from './envelope';
import type { EncryptionAlgorithm } from './keys';

export const CONTENT_ENCRYPTION = 'A256GCM';

/**
 * Whether a party's messages to us come encrypted: `never` refuses encrypted ones, `required`
 * plaintext ones, `accepted` takes both.
 */
export const ENCRYPTION_POLICIES = ['never', 'accepted', 'required'] as const;
export type EncryptionPolicy = (typeof ENCRYPTION_POLICIES)[number];

/** A partner's or data source's policy, and the key what we send it is encrypted to (unset: sent in clear). */
export interface EncryptionSettings {
  policy: EncryptionPolicy;
  encryptTo?: RecipientKey;
}

/** What a message to us decrypts with: our key named by the JWE header's kid, if we hold it. */
export type DecryptionKeys = (kid: string) => { algorithm: EncryptionAlgorithm; privateKey: KeyObject } | undefined;

/** A recipient's public encryption key as registered (`use: enc`). */
export interface RecipientKey {
  kid: string;
  jwk: JsonWebKey;
}

/** Why a message could not be decrypted; its text may go to the partner (no key material, no library internals). */
export class EncryptionFailure extends Error {}

/** The key-management algorithm a public key is used with: ECDH-ES+A256KW for X25519 and P-256, RSA-OAEP-256 for RSA. */
export function keyManagementFor(jwk: { kty?: string; crv?: string }): EncryptionAlgorithm | undefined {
  if (jwk.kty === 'RSA') return 'RSA-OAEP-256';
  if ((jwk.kty === 'OKP' && jwk.crv === 'X25519') || (jwk.kty === 'EC' && jwk.crv === 'P-256')) return 'ECDH-ES+A256KW';
  return undefined;
}

/** True for a body `message` in the shape of an EncryptedMessage (whatever the header says). */
export function looksEncrypted(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as Record<string, unknown>;
  return ['ciphertext', 'encrypted_key', 'iv', 'tag'].every((member) => typeof m[member] === 'string') && typeof m.header === 'object';
}

/**
 * The message of a received envelope in clear, under the sender's policy. An encrypted message must
 * say so in its header, and its plaintext must not be encrypted again.
 */
export async function openMessage(envelope: { header: Record<string, unknown>; message?: unknown }, policy: EncryptionPolicy, keys: DecryptionKeys): Promise<unknown> {
  const flagged = envelope.header.is_msg_encrypted === true;
  if (envelope.message === undefined) return undefined;
  if (flagged !== looksEncrypted(envelope.message)) {
    throw new EncryptionFailure(flagged ? 'header.is_msg_encrypted is true but the message is not an EncryptedMessage' : 'an EncryptedMessage needs header.is_msg_encrypted true');
  }
  if (!flagged) {
    if (policy === 'required') throw new EncryptionFailure('messages from this sender must be encrypted');
    return envelope.message;
  }
  if (policy === 'never') throw new EncryptionFailure('encrypted messages are not accepted from this sender');
  const plaintext = await decryptMessage(envelope.message as EncryptedMessage, keys);
  if (looksEncrypted(plaintext)) throw new EncryptionFailure('the decrypted message is encrypted again');
  return plaintext;
}

/** `message` as JSON, encrypted to the recipient's key. */
export async function encryptMessage(message: unknown, recipient: RecipientKey): Promise<EncryptedMessage> {
  const alg = keyManagementFor(recipient.jwk);
  if (!alg) throw new Error(`encryption key ${recipient.kid} is neither X25519, P-256 nor RSA`);
  const jwe = await new FlattenedEncrypt(Buffer.from(JSON.stringify(message), 'utf8'))
    .setUnprotectedHeader({ alg, enc: CONTENT_ENCRYPTION, kid: recipient.kid })
    .encrypt(createPublicKey({ key: recipient.jwk, format: 'jwk' }));
  return {
    header: jwe.header as EncryptedMessage['header'],
    ...(jwe.protected !== undefined && { protected: jwe.protected }),
    encrypted_key: jwe.encrypted_key!,
    iv: jwe.iv!,
    ciphertext: jwe.ciphertext,
    tag: jwe.tag!,
  };
}

/** The plaintext message of an EncryptedMessage addressed to one of our keys; EncryptionFailure otherwise. */
export async function decryptMessage(encrypted: EncryptedMessage, keys: DecryptionKeys): Promise<unknown> {
  const { alg, enc, kid } = encrypted.header;
  if (enc !== CONTENT_ENCRYPTION) throw new EncryptionFailure(`header.enc must be ${CONTENT_ENCRYPTION}`);
  const key = keys(kid);
  if (!key) throw new EncryptionFailure('header.kid names no encryption key of ours; fetch our JWKS again');
  if (alg !== key.algorithm) throw new EncryptionFailure(`header.alg must be ${key.algorithm} for key ${kid}`);
  let plaintext: Uint8Array;
  try {
    ({ plaintext } = await flattenedDecrypt(encrypted as unknown as FlattenedJWE, key.privateKey, {
      keyManagementAlgorithms: [key.algorithm],
      contentEncryptionAlgorithms: [CONTENT_ENCRYPTION],
    }));
  } catch {
    throw new EncryptionFailure('the message does not decrypt with the key it names');
  }
  try {
    return JSON.parse(Buffer.from(plaintext).toString('utf8'));
  } catch {
    throw new EncryptionFailure('the decrypted message is not JSON');
  }
}
