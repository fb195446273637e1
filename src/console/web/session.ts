/**
 * The operator's token. It lives in this tab's sessionStorage only (gone when the tab closes, never
 * sent anywhere but /graphql); the console and the explorer share it.
 */
const KEY = 'dci-gateway.token';

export const storedToken = (): string | null => sessionStorage.getItem(KEY);
export const storeToken = (token: string): void => sessionStorage.setItem(KEY, token);
export const forgetToken = (): void => sessionStorage.removeItem(KEY);

export interface TokenClaims {
  subject: string;
  scopes: string[];
  expiresAt: Date | null;
}

/**
 * What the token says about its holder, to show it and to leave out pages it cannot read. Only read,
 * not verified: the gateway verifies it on every request and decides what it may see.
 */
export function readClaims(token: string): TokenClaims | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown; scope?: unknown; scp?: unknown; exp?: unknown };
    const scope = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    const scp = Array.isArray(claims.scp) ? claims.scp.filter((s): s is string => typeof s === 'string') : typeof claims.scp === 'string' ? claims.scp.split(' ') : [];
    return {
      subject: typeof claims.sub === 'string' ? claims.sub : '',
      scopes: [...new Set([...scope, ...scp].filter(Boolean))],
      expiresAt: typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : null,
    };
  } catch {
    return null;
  }
}
