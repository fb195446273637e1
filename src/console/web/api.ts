/** The console's one way to the data: the public GraphQL API at /graphql, with the operator's token. */
import { storedToken } from './session';

export interface GraphQLErrorBody {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export interface GraphQLAnswer<T> {
  data: T | null;
  errors: GraphQLErrorBody[];
}

/** A request that produced no data; carries the first error's code (UNAUTHENTICATED, FORBIDDEN, …). */
export class GraphQLFailure extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly status: number,
  ) {
    super(message);
  }
}

const listeners = new Set<() => void>();
/** Called when the gateway refuses the token (expired, revoked key): the console asks for a new one. */
export function onUnauthenticated(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The answer as it came: data and field errors side by side (a partner field may fail alone). */
export async function request<T>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLAnswer<T>> {
  const token = storedToken();
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  let body: { data?: T | null; errors?: GraphQLErrorBody[] };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new GraphQLFailure(`The gateway answered HTTP ${res.status}`, undefined, res.status);
  }
  const errors = body.errors ?? [];
  if (errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) listeners.forEach((listener) => listener());
  if (!body.data) throw new GraphQLFailure(errors[0]?.message ?? `The gateway answered HTTP ${res.status}`, errors[0]?.extensions?.code, res.status);
  return { data: body.data, errors };
}

/** The data of an operation that must succeed whole. */
export async function query<T>(text: string, variables: Record<string, unknown> = {}): Promise<T> {
  const answer = await request<T>(text, variables);
  const first = answer.errors[0];
  if (first) throw new GraphQLFailure(first.message, first.extensions?.code, 200);
  return answer.data as T;
}
