/**
 * Our default profile (README "Message signature"): the spec's parameter string with
 * `kidId="<sender_id>|<key_id>|ed25519"`, D = base64 SHA-256 of the RFC 8785 (JCS) form of
 * `{"header": …, "message": …}` exactly as received.
 */
import { jcs } from '../canonical';
import type { SigningOptions, SigningProfile } from '../signing';
import { cavageProfile } from './cavage';
import { contentOf } from './common';

export function defaultProfile(opts: SigningOptions): SigningProfile {
  return cavageProfile(
    {
      name: 'default',
      prefix: 'Signature: ',
      outgoingHeader: (header) => header,
      canonicalOutgoing: jcs,
      canonicalReceived: (received) => jcs(contentOf(received.body as Record<string, unknown>)),
    },
    opts,
  );
}
