/**
 * OpenSPP's profile (OPENSPP-NOTES 3.2-3.3): the spec's parameter string, digest over Python's
 * `json.dumps({"header": h, "message": m}, sort_keys=True, separators=(",", ":"))`.
 * - Received: OpenSPP signs what it sends, so the digest is recomputed from the received bytes,
 *   keeping number lexemes (Python prints `1.0`, JS would print `1`).
 * - Sent: OpenSPP verifies over its Pydantic re-serialisation of our header, not over our bytes, so we
 *   send and sign the header in that form: every field present (defaults and nulls included), unknown
 *   fields dropped, `message_ts` as UTC `YYYY-MM-DDTHH:MM:SSZ`.
 */
import { LexicalJson, parseJsonLexical, pythonJsonDumps } from '../canonical';
import type { SignableMessage, SigningOptions, SigningProfile } from '../signing';
import { cavageProfile } from './cavage';
import { rawText } from './common';

/** Seconds precision, UTC: the one form Pydantic re-prints unchanged (it keeps offsets and drops zero microseconds). */
function pydanticTimestamp(value: unknown): string {
  const date = new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new Error('header.message_ts is not a date-time');
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** OpenSPP's DCIMessageHeader, plus the DCICallbackHeader fields when the header is a callback one. */
function pydanticHeader(sent: SignableMessage['header']): Record<string, unknown> {
  const header = sent as Record<string, unknown>;
  const request = {
    version: header.version ?? '1.0.0',
    message_id: header.message_id,
    message_ts: pydanticTimestamp(header.message_ts),
    action: header.action,
    sender_id: header.sender_id,
    receiver_id: header.receiver_id ?? null,
    sender_uri: header.sender_uri ?? null,
    total_count: header.total_count ?? 0,
    is_msg_encrypted: header.is_msg_encrypted ?? false,
    meta: header.meta ?? null,
  };
  if (header.status === undefined) return request;
  return {
    ...request,
    status: header.status,
    status_reason_code: header.status_reason_code ?? null,
    status_reason_message: header.status_reason_message ?? null,
    completed_count: header.completed_count ?? 0,
  };
}

function receivedContent(raw: string): Map<string, LexicalJson> {
  const body = parseJsonLexical(raw);
  if (!(body instanceof Map)) throw new Error('body is not a JSON object');
  const content = new Map<string, LexicalJson>();
  for (const part of ['header', 'message']) if (body.has(part)) content.set(part, body.get(part)!);
  return content;
}

export function opensppProfile(opts: SigningOptions): SigningProfile {
  return cavageProfile(
    {
      name: 'openspp',
      prefix: '',
      outgoingHeader: pydanticHeader,
      canonicalOutgoing: (content) => pythonJsonDumps(content, { sortKeys: true }),
      canonicalReceived: (received) => pythonJsonDumps(receivedContent(rawText(received.rawBody)), { sortKeys: true }),
    },
    opts,
  );
}
