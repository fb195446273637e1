/** The OAuth2 client-credentials grant of the DCI authz API (SPEC-NOTES 6), as a data source's client. */
import { AttemptFailure, partnerErrorCode } from './failures';
import type { OAuth2Credentials } from './dataSource';
import type { IssuedToken } from './tokenCache';

/** The spec types `expires_in` as a string; without one we assume an hour, as OpenSPP does. */
const DEFAULT_EXPIRES_IN = 3600;

export async function requestToken(credentials: OAuth2Credentials, opts: { timeoutMs: number; fetch: typeof fetch }): Promise<IssuedToken> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    // Required by the authz API (HTTP-date).
    timestamp: new Date().toUTCString(),
  };
  if (credentials.credentialLocation === 'basic') {
    // RFC 6749 2.3.1: both parts form-urlencoded before base64.
    const pair = `${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  } else {
    form.set('client_id', credentials.clientId);
    form.set('client_secret', credentials.clientSecret);
  }
  if (credentials.scope) form.set('scope', credentials.scope);

  let res: Response;
  let text: string;
  try {
    res = await opts.fetch(credentials.tokenUrl, { method: 'POST', headers, body: form, signal: AbortSignal.timeout(opts.timeoutMs), redirect: 'error' });
    text = await res.text();
  } catch (error) {
    throw new AttemptFailure((error as Error).name === 'TimeoutError' ? 'TIMEOUT' : 'UNREACHABLE');
  }
  if (res.status >= 500 || res.status === 429) throw new AttemptFailure('HTTP', res.status);
  if (!res.ok) throw new AttemptFailure('TOKEN_REFUSED', res.status, undefined, partnerErrorCode(text));
  let body: { access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse(text);
  } catch {
    throw new AttemptFailure('TOKEN_REFUSED', res.status);
  }
  if (typeof body.access_token !== 'string' || body.access_token === '') throw new AttemptFailure('TOKEN_REFUSED', res.status);
  const expiresIn = Number(body.expires_in ?? DEFAULT_EXPIRES_IN);
  return { accessToken: body.access_token, expiresInSeconds: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_EXPIRES_IN };
}
