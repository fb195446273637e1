/**
 * The spec's signature parameter string (SPEC-NOTES 1.4), shared by the `default` and `openspp`
 * profiles, which differ only in the canonical form digested and in how the header is sent:
 *   namespace="dci", kidId="<sender_id>|<key_id>|ed25519", algorithm="ed25519", created="C",
 *   expires="E", headers="(created) (expires) digest", signature="<base64 Ed25519>"
 * over the signing string "(created): C\n(expires): E\ndigest: D".
 */
import { createHash, sign, verify } from 'node:crypto';
import type { OurSigningKey } from '../keys';
import type { ReceivedMessage, SignableMessage, SignedMessage, SigningOptions, SigningProfile, SigningProfileName } from '../signing';
import { INVALID, MISSING, ourSenderId, partnerKeys, receivedEnvelope } from './common';

const ALGORITHM = 'ed25519';
const COVERED = '(created) (expires) digest';

export interface CavageVariant {
  name: SigningProfileName;
  /** Text written before the parameters ("Signature: " as in the spec's examples, or nothing). */
  prefix: string;
  /** The header as it must be sent and signed. */
  outgoingHeader(header: SignableMessage['header']): Record<string, unknown>;
  /** Canonical text of `{header, message}` we sign. */
  canonicalOutgoing(content: { header: Record<string, unknown>; message?: unknown }): string;
  /** Canonical text of `{header, message}` as received. */
  canonicalReceived(received: ReceivedMessage): string;
}

const sha256Base64 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');
const signingString = (created: number, expires: number, digest: string) => `(created): ${created}\n(expires): ${expires}\ndigest: ${digest}`;

function parseParameters(signature: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [, name, value] of signature.replace(/^\s*Signature:\s*/i, '').matchAll(/(\w+)="([^"]*)"/g)) params.set(name, value);
  return params;
}

/** `<sender_id>|<key_id>|<algorithm>`; the sender id may itself contain "|", the other two may not. */
function parseKidId(kidId: string): { senderId: string; keyId: string; algorithm: string } | undefined {
  const parts = kidId.split('|');
  if (parts.length < 3) return undefined;
  const algorithm = parts.pop()!;
  const keyId = parts.pop()!;
  return { senderId: parts.join('|'), keyId, algorithm };
}

export function cavageProfile(variant: CavageVariant, opts: SigningOptions): SigningProfile {
  const lifetime = opts.lifetimeSeconds ?? 300;
  const maxSkew = opts.maxSkewSeconds ?? 60;
  const maxValidity = opts.maxValiditySeconds ?? 3600;
  const nowSeconds = () => Math.floor((opts.now ?? Date.now)() / 1000);

  return {
    name: variant.name,
    keyAlgorithm: 'EdDSA',

    async sign(msg: SignableMessage, key: OurSigningKey): Promise<SignedMessage> {
      const senderId = ourSenderId(msg);
      const header = variant.outgoingHeader(msg.header);
      const content = msg.message === undefined ? { header } : { header, message: msg.message };
      const created = nowSeconds();
      const expires = created + lifetime;
      const digest = sha256Base64(variant.canonicalOutgoing(content));
      const value = sign(null, Buffer.from(signingString(created, expires, digest), 'utf8'), key.privateKey).toString('base64');
      const signature =
        `${variant.prefix}namespace="dci", kidId="${senderId}|${key.kid}|${ALGORITHM}", algorithm="${ALGORITHM}", ` +
        `created="${created}", expires="${expires}", headers="${COVERED}", signature="${value}"`;
      const body = { signature, ...content };
      return { body, rawBody: JSON.stringify(body), headers: {} };
    },

    async verify(received, resolver) {
      const envelope = receivedEnvelope(received.body);
      if (!envelope) return INVALID;
      if (typeof envelope.signature !== 'string' || envelope.signature.trim() === '') return MISSING;
      try {
        const params = parseParameters(envelope.signature);
        const kid = parseKidId(params.get('kidId') ?? '');
        const created = Number(params.get('created') ?? NaN);
        const expires = Number(params.get('expires') ?? NaN);
        const value = params.get('signature');
        const now = nowSeconds();
        const acceptable =
          kid !== undefined &&
          kid.senderId === envelope.senderId && // a key id of another sender never verifies this one
          kid.algorithm.toLowerCase() === ALGORITHM &&
          params.get('algorithm')?.toLowerCase() === ALGORITHM &&
          (params.get('headers') ?? COVERED) === COVERED &&
          Number.isSafeInteger(created) &&
          Number.isSafeInteger(expires) &&
          created <= expires &&
          expires - created <= maxValidity &&
          created <= now + maxSkew &&
          now <= expires &&
          value !== undefined;
        if (!acceptable) return INVALID;
        const data = Buffer.from(signingString(created, expires, sha256Base64(variant.canonicalReceived(received))), 'utf8');
        const signatureBytes = Buffer.from(value, 'base64');
        for (const { key } of await partnerKeys(resolver, kid.senderId, kid.keyId)) {
          if (key.asymmetricKeyType === 'ed25519' && verify(null, data, key, signatureBytes)) return { ok: true, kid: kid.keyId };
        }
        return INVALID;
      } catch {
        return INVALID;
      }
    },
  };
}
