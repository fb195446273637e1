/**
 * Delivering a signed callback or notification to a partner's receiver: one POST with the partner's
 * callback credentials, and, as the outbound client does, one more with a fresh token when the
 * partner refuses a cached one. Anything but a 2xx throws, for the job queue to retry with backoff.
 * The request id of the job (the request that queued it) goes along in X-Request-Id.
 */
import { requestIdHeaders } from '../../../src/requestScope';
import type { SignedMessage } from '../protocol';
import type { CallbackCredentials } from './partners';

async function post(url: string, signed: SignedMessage, token: string | undefined, timeoutMs: number): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...requestIdHeaders(), ...signed.headers, ...(token && { authorization: `Bearer ${token}` }) },
    body: signed.rawBody,
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'error', // a redirect could lead outside the registered callback base
  });
  await res.body?.cancel(); // only the status matters; frees the connection
  return res.status;
}

/**
 * Told how each delivery attempt ended (metrics): `delivered`, the partner's HTTP status, `timeout`,
 * or `failed` (unreachable, or no token for it).
 */
export type DeliveryObserver = (delivery: { kind: string; outcome: string }) => void;

async function postWithFreshToken(url: string, signed: SignedMessage, credentials: CallbackCredentials, timeoutMs: number): Promise<number> {
  let token = await credentials.token();
  let status = await post(url, signed, token, timeoutMs);
  if (status === 401 && token && credentials.refused(token)) {
    token = await credentials.token();
    status = await post(url, signed, token, timeoutMs);
  }
  return status;
}

/** `what` names the message in the error ("callback answered HTTP 503") and is the observed kind. */
export async function deliver(what: string, url: string, signed: SignedMessage, credentials: CallbackCredentials, timeoutMs: number, observer?: DeliveryObserver): Promise<void> {
  const status = await postWithFreshToken(url, signed, credentials, timeoutMs).catch((error: unknown) => {
    observer?.({ kind: what, outcome: (error as Error).name === 'TimeoutError' ? 'timeout' : 'failed' });
    throw error;
  });
  const delivered = status >= 200 && status < 300;
  observer?.({ kind: what, outcome: delivered ? 'delivered' : String(status) });
  if (!delivered) throw new Error(`${what} answered HTTP ${status}`);
}
