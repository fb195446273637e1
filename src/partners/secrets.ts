/**
 * Client credentials: random ids and secrets, and the scrypt hashes the secrets are stored as.
 * The hash records its own parameters, so they can be raised later without breaking stored hashes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const SCRYPT = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_BYTES = 16;

export const newClientId = () => randomBytes(16).toString('hex');
/** 256 random bits, base64url: safe in a form body and in HTTP Basic without escaping. */
export const newClientSecret = () => randomBytes(32).toString('base64url');

function derive(secret: string, salt: Buffer, opts: ScryptOptions, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, length, { ...opts, maxmem: 256 * opts.N! * opts.r! }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(secret, salt, SCRYPT, KEY_LENGTH);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Constant-time comparison of the derived keys; a malformed stored hash never matches. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, N, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(secret, Buffer.from(salt, 'base64url'), { N: Number(N), r: Number(r), p: Number(p) }, expected.length);
  return expected.length > 0 && timingSafeEqual(actual, expected);
}

let dummyHash: Promise<string> | undefined;
/** A hash no secret matches, checked for unknown client ids so they take as long as known ones. */
export const unmatchableHash = () => (dummyHash ??= hashSecret(newClientSecret()));
