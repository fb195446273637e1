/**
 * The error codes the gateway uses on every surface. Each code maps once to its GraphQL extension
 * code and its HTTP status; the DCI adapters map them to the spec's reason codes in
 * adapters/dci/protocol. Messages are written for the client: never an internal detail.
 */
export const ERROR_CODES = {
  UNAUTHENTICATED: { http: 401 },
  FORBIDDEN: { http: 403 },
  BAD_USER_INPUT: { http: 400 },
  NOT_FOUND: { http: 404 },
  CONFLICT: { http: 409 },
  QUERY_TOO_COMPLEX: { http: 400 },
  RATE_LIMITED: { http: 429 },
  UNAVAILABLE: { http: 503 },
  INTERNAL_SERVER_ERROR: { http: 500 },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class GatewayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra, client-safe details (for example the offending field). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }
}

export const badInput = (field: string, message: string) =>
  new GatewayError('BAD_USER_INPUT', `${field}: ${message}`, { field });
export const notFound = (what: string) => new GatewayError('NOT_FOUND', `${what} not found`);
export const conflict = (reason: string, message: string) => new GatewayError('CONFLICT', message, { reason });
