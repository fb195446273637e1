/**
 * The envelopes we exchange with a data source, checked by the same protocol code the server uses:
 * what we send must pass the partner's official request schema (otherwise it is our bug and nothing
 * is sent), what we receive must pass the response schema and, when it is an envelope, verify with
 * the partner's keys under its signing profile. Under the data source's encryption settings, the
 * message we send is encrypted to its key after the check, and a reply's is decrypted with ours after
 * the signature and checked again.
 */
import { GatewayError } from '../../../src/errors';
import {
  encryptMessage,
  EncryptionFailure,
  newHeader,
  openMessage,
  PartnerKeyResolver,
  RequestAction,
  SignedMessage,
  signingProfile,
  validatorFor,
  type BodyValidator,
  type KeyAlgorithm,
  type OurDecryptionKey,
  type OurSigningKey,
} from '../protocol';
import type { DataSourceConfig } from './dataSource';
import { unavailable } from './failures';

/** Our keys (the gateway's KeyRing): what we sign with, and what replies encrypted to us decrypt with. */
export interface Signer {
  activeKey(algorithm?: KeyAlgorithm): OurSigningKey;
  decryptionKey(kid: string): OurDecryptionKey | undefined;
}

export interface OutgoingRequest {
  path: string;
  action: RequestAction;
  message: Record<string, unknown>;
  totalCount: number;
  /** Full callback URL, async requests only. */
  senderUri?: string;
}

export interface ReceivedEnvelope<M = Record<string, unknown>> {
  signature?: string;
  header: Record<string, unknown> & { status?: string; status_reason_code?: string };
  message: M;
}

/** The validator of one operation of the partner's API; an operation the API lacks is the caller's mistake. */
export function operationValidator(source: Pick<DataSourceConfig, 'kind'>, path: string, kind: 'request' | 'response'): BodyValidator {
  try {
    return validatorFor(source.kind, path, kind);
  } catch {
    throw new GatewayError('BAD_USER_INPUT', `the ${source.kind} API has no operation ${path}`, { field: 'path' });
  }
}

/** A new header (fresh message id and timestamp), signed, and checked against the partner's schema. */
export async function signedRequest(source: DataSourceConfig, signer: Signer, request: OutgoingRequest): Promise<SignedMessage> {
  const header = newHeader({
    senderId: source.senderId,
    receiverId: source.receiverId,
    action: request.action,
    totalCount: request.totalCount,
    senderUri: request.senderUri,
  });
  const encryptTo = source.encryption?.policy === 'never' ? undefined : source.encryption?.encryptTo;
  // Checked in clear too: once encrypted, the schema sees only the EncryptedMessage.
  if (encryptTo) {
    checkRequest(source, request.path, { header, message: request.message });
    header.is_msg_encrypted = true;
  }
  const message = encryptTo ? await encryptMessage(request.message, encryptTo) : request.message;
  const profile = signingProfile(source.signingProfile);
  const signed = await profile.sign({ header, message }, signer.activeKey(profile.keyAlgorithm));
  checkRequest(source, request.path, signed.body);
  return signed;
}

function checkRequest(source: DataSourceConfig, path: string, body: unknown): void {
  const valid = operationValidator(source, path, 'request')(body);
  if (!valid.ok) {
    throw new GatewayError('BAD_USER_INPUT', `the request does not match the ${source.kind} ${path} schema: ${valid.errors.slice(0, 5).join('; ')}`, {
      dataSource: source.name,
      reason: 'INVALID_REQUEST',
    });
  }
}

function parse(source: DataSourceConfig, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw unavailable(source.name, 'INVALID_RESPONSE', 'the registry answered with something that is not JSON');
  }
}

/** A sync reply: schema, sender, signature and encryption checked; a reply that fails any of them is discarded. */
export async function verifiedReply<M>(
  source: DataSourceConfig,
  path: string,
  answer: { text: string; headers: Record<string, string> },
  keys: PartnerKeyResolver,
  ours: Pick<Signer, 'decryptionKey'>,
): Promise<ReceivedEnvelope<M>> {
  const body = parse(source, answer.text);
  checkSchema(source, path, body);
  const envelope = body as ReceivedEnvelope<M>;
  const sender = envelope.header?.sender_id;
  if (sender !== undefined && sender !== source.receiverId) throw unavailable(source.name, 'WRONG_SENDER', 'the reply comes from another sender id than the registry');
  const verdict = await signingProfile(source.signingProfile).verify({ body, rawBody: answer.text, headers: answer.headers }, keys);
  if (!verdict.ok) throw unavailable(source.name, 'BAD_SIGNATURE', 'the reply signature does not verify with the registry keys', { partnerCode: verdict.reason });
  const sent = envelope.message;
  try {
    envelope.message = (await openMessage(envelope, source.encryption?.policy ?? 'never', (kid) => ours.decryptionKey(kid))) as M;
  } catch (error) {
    if (!(error instanceof EncryptionFailure)) throw error;
    throw unavailable(source.name, 'BAD_ENCRYPTION', 'the reply could not be decrypted, or is not encrypted as agreed', { partnerCode: 'err.encryption.invalid' });
  }
  if (envelope.message !== sent) checkSchema(source, path, envelope);
  return envelope;
}

/** The acknowledgement of an async request (not an envelope, so nothing to verify). */
export function acknowledgement(source: DataSourceConfig, path: string, text: string): { ack_status: string; correlation_id: string; error?: { code: string } } {
  const body = parse(source, text);
  checkSchema(source, path, body);
  return (body as { message: { ack_status: string; correlation_id: string; error?: { code: string } } }).message;
}

function checkSchema(source: DataSourceConfig, path: string, body: unknown): void {
  const valid = operationValidator(source, path, 'response')(body);
  if (!valid.ok) throw unavailable(source.name, 'INVALID_RESPONSE', `the reply does not match the ${source.kind} ${path} schema`, { schemaErrors: valid.errors.slice(0, 5) });
}
