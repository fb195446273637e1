/**
 * A partner-side HTTP receiver for end-to-end DCI tests: listens on 127.0.0.1 (a free port unless
 * one is given), records every POST (path, headers, raw and parsed body) and answers with an ACK
 * body, or with a configured status for the next N requests (to exercise retries).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: any;
  /** The HTTP status the receiver answered with. */
  answeredWith: number;
  at: number;
}

export interface Receiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Answers the next `count` POSTs (optionally only those whose path matches) with `status`. */
  failNext(count: number, status?: number, pathMatch?: (path: string) => boolean): void;
  /** The first recorded request matching the predicate, waiting up to timeoutMs for it. */
  waitFor(predicate: (r: ReceivedRequest) => boolean, timeoutMs?: number): Promise<ReceivedRequest>;
  /** Waits until at least `count` recorded requests match the predicate; returns them. */
  waitForCount(predicate: (r: ReceivedRequest) => boolean, count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  matching(predicate: (r: ReceivedRequest) => boolean): ReceivedRequest[];
  clear(): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `answerDelayMs`: each request is recorded on arrival and answered that much later (a slow partner). */
export async function startReceiver(opts: { port?: number; answerDelayMs?: number } = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const failures: { status: number; pathMatch?: (path: string) => boolean }[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const path = (req.url ?? '/').split('?')[0];
      const failIndex = failures.findIndex((f) => !f.pathMatch || f.pathMatch(path));
      const status = failIndex >= 0 ? failures.splice(failIndex, 1)[0].status : 200;
      if (req.method === 'POST') {
        requests.push({ method: req.method, path, headers: req.headers, raw, body, answeredWith: status, at: Date.now() });
      }
      const ack = {
        message: {
          ack_status: status === 200 ? 'ACK' : 'ERR',
          timestamp: new Date().toISOString(),
          correlation_id: randomUUID(),
          ...(status === 200 ? {} : { error: { code: 'err.service.unavailable', message: 'configured failure' } }),
        },
      };
      const answer = () => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(ack));
      };
      if (opts.answerDelayMs) setTimeout(answer, opts.answerDelayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const matching = (predicate: (r: ReceivedRequest) => boolean) => requests.filter(predicate);
  const waitForCount = async (predicate: (r: ReceivedRequest) => boolean, count: number, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = matching(predicate);
      if (found.length >= count) return found;
      if (Date.now() > deadline) {
        throw new Error(`receiver: expected ${count} matching request(s) within ${timeoutMs} ms, got ${found.length}; seen: ${requests.map((r) => r.path).join(', ') || 'none'}`);
      }
      await sleep(50);
    }
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    failNext(count, status = 500, pathMatch) {
      for (let i = 0; i < count; i++) failures.push({ status, pathMatch });
    },
    async waitFor(predicate, timeoutMs = 10_000) {
      return (await waitForCount(predicate, 1, timeoutMs))[0];
    },
    waitForCount,
    matching,
    clear() {
      requests.length = 0;
      failures.length = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
    },
  };
}

/** Resolves after `ms`: for asserting that nothing arrives within a window. */
export const quietPeriod = sleep;

/**
 * Verifies a received message's signature with the keys the gateway publishes at
 * /.well-known/jwks.json (a resolver built from the JWKS JSON, as a partner would).
 */
export async function verifyWithGatewayJwks(gatewayUrl: string, r: Pick<ReceivedRequest, 'body' | 'raw' | 'headers'>) {
  const { signingProfile } = await import('../../adapters/dci/protocol');
  const jwks = (await (await fetch(`${gatewayUrl}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
  const resolver = async (_senderId: string, keyId: string | undefined) =>
    jwks.keys.filter((jwk) => !keyId || jwk.kid === keyId).map((jwk) => ({ kid: jwk.kid, jwk }));
  return signingProfile('default').verify({ body: r.body, rawBody: r.raw, headers: r.headers }, resolver);
}
