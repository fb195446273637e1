/**
 * The real gateway for a test file: its own embedded engine on a throwaway data directory, a free
 * port, silent logs, and helpers that talk to it over HTTP exactly as a client would.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { Gateway, startGateway } from '../../src/gateway';
import { createLogger } from '../../src/log';
import type { Scope } from '../../src/auth/scopes';

export interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; reason?: string; field?: string; [key: string]: unknown };
}

export interface GqlResponse<T = any> {
  status: number;
  body: { data?: T | null; errors?: GqlError[] };
}

export interface TestGateway {
  gateway: Gateway;
  url: string;
  /** The gateway's DATA_DIR (its keys; the embedded engine's files). */
  dataDir: string;
  /** A fresh user token carrying exactly these scopes. */
  token(scopes: string[]): Promise<string>;
  /** POSTs one operation to /graphql; `token` null or undefined sends no Authorization header. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GqlResponse<T>>;
  /**
   * Stops the gateway's background workers (DCI job queue, outbox scanners), which share the
   * process-wide database command counter; requests are still served.
   */
  pauseBackgroundWork(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-gql-'));
  // The engine the suite runs on (EMBEDDED_ENGINE) unless the test chooses one.
  const config = loadConfig({ NODE_ENV: 'test', EMBEDDED_ENGINE: process.env.EMBEDDED_ENGINE, ...env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  let gateway: Gateway;
  try {
    gateway = await startGateway(config, createLogger('silent'));
  } catch (error) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const url = gateway.url;

  return {
    gateway,
    url,
    dataDir,
    token: (scopes) => gateway.tokens.issue({ subject: 'test-user', scopes: scopes as Scope[], kind: 'user', ttlSeconds: 600 }),
    async gql(query, variables, token) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      const res = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      const text = await res.text();
      let body: GqlResponse['body'];
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`non-JSON answer (HTTP ${res.status}): ${text.slice(0, 500)}`);
      }
      return { status: res.status, body };
    },
    async pauseBackgroundWork() {
      const background = (gateway as unknown as { dci?: { stop?: () => Promise<void> } }).dci;
      await background?.stop?.();
      await gateway.indicators.stop();
    },
    async stop() {
      try {
        await gateway.stop();
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The gateway of the enclosing describe block: started before its first test, stopped after its
 * last. Usable from the block's hooks and tests; it stands for the started gateway.
 */
export function useTestGateway(env: Record<string, string> = {}): TestGateway {
  let started: TestGateway | undefined;
  const current = () => {
    if (!started) throw new Error('the test gateway starts in beforeAll: use it from a hook or a test');
    return started;
  };
  beforeAll(async () => {
    started = await startTestGateway(env);
  });
  afterAll(async () => {
    await started?.stop();
  });
  return {
    get gateway() {
      return current().gateway;
    },
    get url() {
      return current().url;
    },
    get dataDir() {
      return current().dataDir;
    },
    token: (scopes) => current().token(scopes),
    gql: (query, variables, token) => current().gql(query, variables, token),
    pauseBackgroundWork: () => current().pauseBackgroundWork(),
    stop: () => current().stop(),
  };
}

/** The error codes of an answer, in order. */
export const codes = (res: GqlResponse) => (res.body.errors ?? []).map((e) => e.extensions?.code);

/** The data of an answer that must have succeeded; fails with the errors otherwise. */
export function ok<T = any>(res: GqlResponse<T>): T {
  if (res.body.errors?.length || !res.body.data) {
    throw new Error(`expected success, got HTTP ${res.status}: ${JSON.stringify(res.body.errors ?? res.body)}`);
  }
  return res.body.data;
}

/** The single error of an answer that must have failed. */
export function onlyError(res: GqlResponse): GqlError {
  const errors = res.body.errors ?? [];
  if (errors.length !== 1) throw new Error(`expected exactly one error, got HTTP ${res.status}: ${JSON.stringify(res.body)}`);
  return errors[0];
}

export const READ: Scope[] = ['registry:read'];
export const READ_PII: Scope[] = ['registry:read', 'registry:pii'];
export const WRITE: Scope[] = ['registry:read', 'registry:write', 'registry:pii'];

let counter = 0;
/** A value unique within this process, for identifier values and names. */
export const unique = (prefix = 'T') => `${prefix}${process.pid}${Date.now().toString(36)}${(counter++).toString(36)}`.toUpperCase();
