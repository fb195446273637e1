/** Unsigned messages, for partners explicitly configured to exchange them (README "Message signature"). */
import type { SigningProfile } from '../signing';
import { contentOf } from './common';

export function noneProfile(): SigningProfile {
  return {
    name: 'none',
    keyAlgorithm: 'EdDSA',
    async sign(msg) {
      const body = contentOf(msg);
      return { body, rawBody: JSON.stringify(body), headers: {} };
    },
    async verify() {
      return { ok: true, kid: null };
    },
  };
}
