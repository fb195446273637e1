/**
 * Delivering a signed callback or notification to a partner's receiver: one POST with the partner's
 * callback credentials, and, as the outbound client does, one more with a fresh token when the
 * partner refuses a cached one. Anything but a 2xx throws, for the job queue to retry with backoff.
 */
import type { SignedMessage } from '../protocol';
import type { CallbackCredentials } from './partners';

async function post(url: string, signed: SignedMessage, token: string | undefined, timeoutMs: number): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed.headers, ...(token && { authorization: `Bearer ${token}` }) },
    body: signed.rawBody,
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'error', // a redirect could lead outside the registered callback base
  });
  await res.body?.cancel(); // only the status matters; frees the connection
  return res.status;
}

/** `what` names the message in the error ("callback answered HTTP 503"). */
export async function deliver(what: string, url: string, signed: SignedMessage, credentials: CallbackCredentials, timeoutMs: number): Promise<void> {
  let token = await credentials.token();
  let status = await post(url, signed, token, timeoutMs);
  if (status === 401 && token && credentials.refused(token)) {
    token = await credentials.token();
    status = await post(url, signed, token, timeoutMs);
  }
  if (status < 200 || status >= 300) throw new Error(`${what} answered HTTP ${status}`);
}
