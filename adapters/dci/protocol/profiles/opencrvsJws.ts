/**
 * OpenCRVS's profile (opencrvs/dci-crvs-api): the body `signature` is an attached compact JWS whose
 * payload is the JSON of the body without its signature; the receiver checks the JWS and that its
 * payload equals the body it got (structurally, so serialisation details do not matter).
 */
import { isDeepStrictEqual } from 'node:util';
import type { SigningProfile } from '../signing';
import { contentOf, INVALID, MISSING, receivedEnvelope } from './common';
import { compactSign, compactVerifyWith } from './jws';

export function opencrvsJwsProfile(): SigningProfile {
  return {
    name: 'opencrvs-jws',
    keyAlgorithm: 'EdDSA',

    async sign(msg, key) {
      const content = contentOf(msg);
      const body = { ...content, signature: await compactSign(JSON.stringify(content), key) };
      return { body, rawBody: JSON.stringify(body), headers: {} };
    },

    async verify(received, resolver) {
      const envelope = receivedEnvelope(received.body);
      if (!envelope) return INVALID;
      if (typeof envelope.signature !== 'string' || envelope.signature === '') return MISSING;
      try {
        const verified = await compactVerifyWith(envelope.signature, resolver, envelope.senderId);
        if (!verified) return INVALID;
        const { signature: _signature, ...unsigned } = received.body as Record<string, unknown>;
        const signed: unknown = JSON.parse(Buffer.from(verified.payload).toString('utf8'));
        return isDeepStrictEqual(signed, unsigned) ? { ok: true, kid: verified.kid } : INVALID;
      } catch {
        return INVALID;
      }
    },
  };
}
