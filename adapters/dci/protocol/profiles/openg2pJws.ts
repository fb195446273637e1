/**
 * OpenG2P's profile (SPEC-NOTES 1.4): a detached compact JWS `<protected>..<signature>` in the HTTP
 * `Signature` header whose payload is the whole body as Python re-serialises it,
 * `json.dumps(body, separators=(",", ":"))` (key order kept, non-ASCII escaped). We send exactly that
 * serialisation, so the bytes they rebuild are the bytes we signed.
 */
import { parseJsonLexical, pythonJsonDumps } from '../canonical';
import type { SigningProfile } from '../signing';
import { contentOf, headerValue, INVALID, MISSING, rawText, receivedEnvelope } from './common';
import { compactSign, compactVerifyWith } from './jws';

export function openg2pJwsProfile(): SigningProfile {
  return {
    name: 'openg2p-jws',

    async sign(msg, key) {
      const body = contentOf(msg);
      const rawBody = pythonJsonDumps(body, { sortKeys: false });
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
        const canonical = pythonJsonDumps(parseJsonLexical(rawText(received.rawBody)), { sortKeys: false });
        const jws = `${protectedHeader}.${Buffer.from(canonical, 'utf8').toString('base64url')}.${signature}`;
        const verified = await compactVerifyWith(jws, resolver, envelope.senderId);
        return verified ? { ok: true, kid: verified.kid } : INVALID;
      } catch {
        return INVALID;
      }
    },
  };
}
