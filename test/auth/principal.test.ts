import { GatewayError } from '../../src/errors';
import { hasScope, requireScopes, type Principal } from '../../src/auth/principal';
import { ALL_SCOPES, isScope } from '../../src/auth/scopes';
import { bearerToken } from '../../src/auth/tokens';

const reader: Principal = {
  subject: 'alice',
  scopes: new Set(['registry:read', 'dci:search']),
  kind: 'user',
  issuer: 'dci-gateway',
};

describe('scopes', () => {
  it('recognises exactly the catalogue', () => {
    expect(ALL_SCOPES).toEqual([
      'registry:read',
      'registry:write',
      'registry:pii',
      'partners:admin',
      'dci:search',
      'dci:subscribe',
      'dci:callback',
      'schema:read',
      'programs:admin',
      'metrics:read',
      'audit:read',
    ]);
    for (const scope of ALL_SCOPES) expect(isScope(scope)).toBe(true);
    for (const other of ['registry:admin', 'toString', '__proto__', '', 42, undefined]) expect(isScope(other)).toBe(false);
  });
});

describe('principal', () => {
  it('hasScope checks the granted set', () => {
    expect(hasScope(reader, 'registry:read')).toBe(true);
    expect(hasScope(reader, 'registry:pii')).toBe(false);
  });

  it('requireScopes returns the principal when every scope is granted', () => {
    expect(requireScopes(reader, 'registry:read', 'dci:search')).toBe(reader);
    expect(requireScopes(reader)).toBe(reader);
  });

  it('requireScopes refuses a missing principal as UNAUTHENTICATED', () => {
    expect(() => requireScopes(undefined, 'registry:read')).toThrow(
      expect.objectContaining({ code: 'UNAUTHENTICATED' }),
    );
  });

  it('requireScopes refuses a missing scope as FORBIDDEN, naming it', () => {
    let error: unknown;
    try {
      requireScopes(reader, 'registry:read', 'registry:pii');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'FORBIDDEN', message: 'missing scope registry:pii', httpStatus: 403 });
  });
});

describe('bearerToken', () => {
  it('extracts the token whatever the scheme case', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('BEARER  abc.def.ghi ')).toBe('abc.def.ghi');
  });

  it('returns undefined for anything else', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearerabc', 'Bearer a b']) {
      expect(bearerToken(header)).toBeUndefined();
    }
  });
});
