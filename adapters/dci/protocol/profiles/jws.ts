/** Compact JWS helpers shared by the OpenG2P and OpenCRVS profiles. */
import { CompactSign, compactVerify, decodeProtectedHeader } from 'jose';
import type { OurSigningKey } from '../keys';
import type { PartnerKeyResolver } from '../signing';
import { partnerKeys } from './common';

/** Algorithms a partner may sign with; the key type must match too (jose checks). */
const ACCEPTED_ALGORITHMS = ['EdDSA', 'ES256', 'RS256', 'PS256'];

export function compactSign(payload: string, key: OurSigningKey): Promise<string> {
  return new CompactSign(Buffer.from(payload, 'utf8')).setProtectedHeader({ alg: key.algorithm, kid: key.kid }).sign(key.privateKey);
}

/**
 * Verifies a compact JWS with the sender's keys (narrowed by the JWS `kid` when it names one) and
 * returns the verifying key id and the payload, or undefined.
 */
export async function compactVerifyWith(
  jws: string,
  resolver: PartnerKeyResolver,
  senderId: string,
): Promise<{ kid: string; payload: Uint8Array } | undefined> {
  const { kid } = decodeProtectedHeader(jws);
  for (const candidate of await partnerKeys(resolver, senderId, kid)) {
    try {
      const { payload } = await compactVerify(jws, candidate.key, { algorithms: ACCEPTED_ALGORITHMS });
      return { kid: candidate.kid, payload };
    } catch {
      // not this key: try the next one
    }
  }
  return undefined;
}
