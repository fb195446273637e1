/** Who is calling, as established by a verified token, and the scope checks made against it. */
import { GatewayError } from '../errors';
import type { Scope } from './scopes';

export interface Principal {
  /** The token's `sub`: a user name or a partner client id. */
  subject: string;
  scopes: ReadonlySet<Scope>;
  kind: 'user' | 'partner';
  /** Set for partner tokens only. */
  partnerId?: string;
  /** The token's `iss`: tells our own tokens from the external issuer's. */
  issuer: string;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope);
}

/**
 * Throws UNAUTHENTICATED without a principal and FORBIDDEN naming the first missing scope;
 * returns the principal so callers get it narrowed to defined.
 */
export function requireScopes(principal: Principal | undefined, ...scopes: Scope[]): Principal {
  if (!principal) throw new GatewayError('UNAUTHENTICATED', 'authentication required');
  const missing = scopes.find((scope) => !principal.scopes.has(scope));
  if (missing) throw new GatewayError('FORBIDDEN', `missing scope ${missing}`, { scope: missing });
  return principal;
}
