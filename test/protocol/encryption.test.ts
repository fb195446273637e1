import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { FlattenedEncrypt, flattenedDecrypt, type FlattenedJWE } from 'jose';
import { decryptMessage, EncryptedMessage, encryptMessage, EncryptionFailure, KeyRing, keyManagementFor, looksEncrypted, validatorFor } from '../../adapters/dci/protocol';

const MESSAGE = { transaction_id: 'txn-1', search_request: [{ reference_id: 'ref-1', note: 'Zoë' }] };

function recipient(type: 'x25519' | 'p-256' | 'rsa'): { privateKey: KeyObject; key: { kid: string; jwk: Record<string, unknown> } } {
  const { privateKey, publicKey } =
    type === 'x25519' ? generateKeyPairSync('x25519') : type === 'p-256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `partner-${type}`;
  return { privateKey, key: { kid, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'enc' } } };
}

describe('encrypted messages', () => {
  let dataDir: string;
  let ring: KeyRing;
  const ourKey = (alg: string) => ring.jwks().keys.find((k) => k.use === 'enc' && k.alg === alg)!;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-enc-'));
    ring = await KeyRing.open(dataDir);
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it.each(['x25519', 'p-256', 'rsa'] as const)('encrypts to a %s key as the spec EncryptedMessage, which the partner decrypts with plain jose', async (type) => {
    const { privateKey, key } = recipient(type);
    const encrypted = await encryptMessage(MESSAGE, key);
    expect(encrypted.header).toEqual({ alg: type === 'rsa' ? 'RSA-OAEP-256' : 'ECDH-ES+A256KW', enc: 'A256GCM', kid: key.kid });
    expect(looksEncrypted(encrypted)).toBe(true);
    expect(JSON.stringify(encrypted)).not.toContain('txn-1');
    const envelope = { header: { message_id: 'm1', message_ts: new Date().toISOString(), action: 'search', sender_id: 'gw', total_count: 1, is_msg_encrypted: true }, message: encrypted };
    expect(validatorFor('social', '/registry/search', 'request')(envelope)).toEqual({ ok: true });
    const { plaintext } = await flattenedDecrypt(encrypted as unknown as FlattenedJWE, privateKey);
    expect(JSON.parse(Buffer.from(plaintext).toString('utf8'))).toEqual(MESSAGE);
  });

  it.each(['ECDH-ES+A256KW', 'RSA-OAEP-256'])('decrypts what a partner encrypted with plain jose to our %s key', async (alg) => {
    const jwk = ourKey(alg);
    const jwe = await new FlattenedEncrypt(Buffer.from(JSON.stringify(MESSAGE)))
      .setUnprotectedHeader({ alg, enc: 'A256GCM', kid: jwk.kid })
      .encrypt(createPublicKey({ key: jwk, format: 'jwk' }));
    await expect(decryptMessage(jwe as unknown as EncryptedMessage, (kid) => ring.decryptionKey(kid))).resolves.toEqual(MESSAGE);
  });

  const toOurs = async (change: (m: EncryptedMessage) => EncryptedMessage) => {
    const jwk = ourKey('ECDH-ES+A256KW');
    const encrypted = await encryptMessage(MESSAGE, { kid: jwk.kid, jwk });
    return decryptMessage(change(encrypted), (kid) => ring.decryptionKey(kid));
  };

  it('refuses, with a reason fit for the partner, what it cannot decrypt', async () => {
    await expect(toOurs((m) => m)).resolves.toEqual(MESSAGE);
    await expect(toOurs((m) => ({ ...m, header: { ...m.header, kid: 'unknown' } }))).rejects.toThrow(new EncryptionFailure('header.kid names no encryption key of ours; fetch our JWKS again'));
    await expect(toOurs((m) => ({ ...m, header: { ...m.header, enc: 'A128GCM' } }))).rejects.toThrow('header.enc must be A256GCM');
    await expect(toOurs((m) => ({ ...m, header: { ...m.header, alg: 'RSA-OAEP-256' } }))).rejects.toThrow('header.alg must be ECDH-ES+A256KW');
    const flipped = (text: string) => `${text[0] === 'A' ? 'B' : 'A'}${text.slice(1)}`;
    await expect(toOurs((m) => ({ ...m, ciphertext: flipped(m.ciphertext) }))).rejects.toThrow('the message does not decrypt with the key it names');
    await expect(toOurs((m) => ({ ...m, tag: 'AAAAAAAAAAAAAAAAAAAAAA' }))).rejects.toBeInstanceOf(EncryptionFailure);
    // A signing key's kid is no encryption key.
    await expect(toOurs((m) => ({ ...m, header: { ...m.header, kid: ring.activeKey().kid } }))).rejects.toThrow('names no encryption key');
  });

  it('names the key-management algorithm of each key type, and none for signing curves', () => {
    expect(keyManagementFor({ kty: 'OKP', crv: 'X25519' })).toBe('ECDH-ES+A256KW');
    expect(keyManagementFor({ kty: 'EC', crv: 'P-256' })).toBe('ECDH-ES+A256KW');
    expect(keyManagementFor({ kty: 'RSA' })).toBe('RSA-OAEP-256');
    expect(keyManagementFor({ kty: 'OKP', crv: 'Ed25519' })).toBeUndefined();
    expect(keyManagementFor({ kty: 'EC', crv: 'P-384' })).toBeUndefined();
  });
});
