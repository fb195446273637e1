/**
 * OpenG2P's profile, as the current openg2p-fastapi-common signs and verifies: a detached compact
 * JWS `<protected>..<signature>` in the HTTP `Signature` header, RS256 (the only algorithm it allows
 * by default), over `orjson.dumps(body, option=OPT_SORT_KEYS)`. It verifies over that
 * re-serialisation of the body it parsed, whatever order the keys were sent in, and so do we; we send
 * exactly the sorted bytes we signed, which read back to themselves.
 */
import { orjsonSortedDumps, parseJsonLexical } from '../canonical';
import type { SigningProfile } from '../signing';
import { contentOf, headerValue, INVALID, MISSING, rawText, receivedEnvelope } from './common';
import { compactSign, compactVerifyWith } from './jws';

export function openg2pJwsProfile(): SigningProfile {
  return {
    name: 'openg2p-jws',
    keyAlgorithm: 'RS256',

    async sign(msg, key) {
      const body = contentOf(msg);
      const rawBody = orjsonSortedDumps(body);
      const [protectedHeader, , signature] = (await compactSign(rawBody, key)).split('.');
      return { body, rawBody, headers: { Signature: `${protectedHeader}..${signature}` } };
    },

    async verify(received, resolver) {
      const envelope = receivedEnvelope(received.body);
      if (!envelope) return INVALID;
      const detached = headerValue(received.headers, 'signature');
      if (!detached) return MISSING;
      try {
        const [protectedHeader, payload, signature, ...rest] = detached.split('.');
        if (payload !== '' || rest.length > 0) return INVALID;
        const canonical = orjsonSortedDumps(parseJsonLexical(rawText(received.rawBody)));
        const jws = `${protectedHeader}.${Buffer.from(canonical, 'utf8').toString('base64url')}.${signature}`;
        const verified = await compactVerifyWith(jws, resolver, envelope.senderId);
        return verified ? { ok: true, kid: verified.kid } : INVALID;
      } catch {
        return INVALID;
      }
    },
  };
}
