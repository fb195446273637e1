/**
 * The quick start as `serve --demo` runs it, in process: the gateway on PORT with the demo registry,
 * the partner sandbox on PORT+100 wired to it as two partners and four data sources. The demo import
 * places most births in their mother's household; a restart on another PORT, same DATA_DIR, re-wires the sandbox.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Sandbox } from '../../adapters/dci/sandbox';
import { loadConfig } from '../../src/config';
import { startDemoSandbox } from '../../src/demoSandbox';
import { DEMO_INDIVIDUALS, Gateway, startGateway } from '../../src/gateway';
import { createLogger } from '../../src/log';
import type { GqlResponse } from '../support/gateway';
import { ok } from '../support/gateway';

const ADMIN = ['registry:read', 'registry:write', 'registry:pii', 'partners:admin'];

interface Demo {
  gateway: Gateway;
  sandbox: Sandbox;
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<GqlResponse<T>>;
  stop(): Promise<void>;
}

async function startDemo(dataDir: string, port: number): Promise<Demo> {
  const env = { NODE_ENV: 'test', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(process.env.EMBEDDED_ENGINE && { EMBEDDED_ENGINE: process.env.EMBEDDED_ENGINE }) };
  const config = loadConfig(env);
  const log = createLogger('silent');
  const gateway = await startGateway(config, log, { demo: true });
  let sandbox: Sandbox;
  try {
    sandbox = await startDemoSandbox(gateway, config, DEMO_INDIVIDUALS, log);
  } catch (error) {
    await gateway.stop();
    throw error;
  }
  return {
    gateway,
    sandbox,
    async gql(query, variables) {
      const token = await gateway.tokens.issue({ subject: 'demo-test', scopes: ADMIN as never, kind: 'user', ttlSeconds: 600 });
      const res = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
      return { status: res.status, body: (await res.json()) as GqlResponse['body'] };
    },
    async stop() {
      await sandbox.stop();
      await gateway.stop();
    },
  };
}

const listening = (port: number) =>
  new Promise<net.Server | undefined>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, () => resolve(server));
  });
const close = (server: net.Server) => new Promise((resolve) => server.close(resolve));

/** A free PORT whose sandbox port (PORT + 100) is free as well. */
async function freeDemoPort(): Promise<number> {
  for (;;) {
    const probe = (await listening(0))!;
    const port = (probe.address() as net.AddressInfo).port;
    const sandboxPort = port + 100 <= 65_535 ? await listening(port + 100) : undefined;
    await close(probe);
    if (sandboxPort) {
      await close(sandboxPort);
      return port;
    }
  }
}

async function waitFor<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const WIRING = `{
  partner(senderId: "crvs.sandbox") { callbackBase jwksUrl status }
  dataSources { name baseUrl callbackBase jwksUrl status auth { tokenUrl } }
}`;
const DISABILITY = `query ($id: ID!) { disabilityStatus(individualId: $id, refresh: true) { registered status dataSource } }`;
const BY_UIN = `query ($uin: String!) { registrantByIdentifier(type: "UIN", value: $uin) { ... on Individual { id } } }`;
const SUBSCRIBE = `mutation { subscribeCrvsEvents(dataSource: "sandbox-crvs") { event dataSource } }`;
const IMPORT = `mutation ($from: Date!, $to: Date!) { startCrvsImport(from: $from, to: $to) { id } }`;
const IMPORT_STATUS = `query ($id: ID!) { crvsImport(id: $id) { state lastError } }`;
const REVIEW = `query ($after: String) { crvsReviewItems(status: open, first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { reason } } } }`;
const BRN_HOLDERS = `query ($from: Date!, $after: String) { individuals(filter: { identifierType: "BRN", birthDateFrom: $from }, first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { identifiers { type value } groups { role group { kind } } } }
} }`;

describe('the demo (gateway and partner sandbox)', () => {
  let dataDir: string;
  let demo: Demo | undefined;
  let firstPort: number;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-demo-'));
    firstPort = await freeDemoPort();
    demo = await startDemo(dataDir, firstPort);
  }, 180_000);
  afterAll(async () => {
    try {
      await demo?.stop();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  /** The disability status of a demo person the sandbox DR registered, asked of the registry itself. */
  const disabilityOfRegistered = async (d: Demo) => {
    const registered = d.sandbox.data.disabilities.find((x) => x.disabilityStatus === 'Approved')!;
    const { id } = ok(await d.gql(BY_UIN, { uin: registered.uin })).registrantByIdentifier;
    return ok(await d.gql(DISABILITY, { id })).disabilityStatus;
  };

  it('the demo import places most births in their mother\'s household and reviews only what the sandbox got wrong on purpose', async () => {
    const d = demo!;
    // The births of the last three years: enough to measure, few enough for the slower engine.
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    const from = new Date(Date.UTC(now.getUTCFullYear() - 3, now.getUTCMonth(), now.getUTCDate())).toISOString().slice(0, 10);
    const { id } = ok(await d.gql(IMPORT, { from, to: today })).startCrvsImport;
    const done = await waitFor(async () => {
      const status = ok(await d.gql(IMPORT_STATUS, { id })).crvsImport;
      return status.state !== 'pending' && status.state !== 'running' && status;
    });
    expect(done).toMatchObject({ state: 'done', lastError: null });

    const reviewed: { reason: string }[] = [];
    for (let after: string | null = null; ; ) {
      const page: any = ok(await d.gql(REVIEW, { after })).crvsReviewItems;
      reviewed.push(...page.edges.map((e: { node: { reason: string } }) => e.node));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const imported = d.sandbox.data.births.filter((b) => b.birthDate >= from);
    const births = imported.filter((b) => !b.conflictingDuplicate);
    const inHousehold = new Set<string>();
    for (let after: string | null = null; ; ) {
      const page: any = ok(await d.gql(BRN_HOLDERS, { from, after })).individuals;
      for (const { node } of page.edges as { node: { identifiers: { type: string; value: string }[]; groups: { role: string; group: { kind: string } }[] } }[]) {
        if (!node.groups.some((m) => m.role === 'child' && m.group.kind === 'household')) continue;
        for (const i of node.identifiers) if (i.type === 'BRN') inHousehold.add(i.value);
      }
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const placed = births.filter((b) => inHousehold.has(b.brn));
    const byReason = (reason: string) => reviewed.filter((r) => r.reason === reason).length;
    expect(placed.length / births.length).toBeGreaterThan(0.9);
    // Unknown mothers, mothers named by clerical error and conflicting duplicates; nothing else.
    expect(placed.map((b) => b.brn)).toEqual(births.filter((b) => b.motherInDemo && !b.motherMistaken).map((b) => b.brn));
    expect(byReason('MOTHER_NOT_FOUND')).toBe(births.filter((b) => !b.motherInDemo).length);
    expect(byReason('MOTHER_IMPLAUSIBLE')).toBe(births.filter((b) => b.motherMistaken).length);
    expect(byReason('DUPLICATE_RECORD')).toBe(imported.length - births.length);
  }, 300_000);

  it('a restart on another PORT re-wires the partner and the data sources to the new ports', async () => {
    expect(await disabilityOfRegistered(demo!)).toEqual({ registered: true, status: 'Approved', dataSource: 'sandbox-dr' });
    await demo!.stop();
    demo = undefined;

    const second = await freeDemoPort();
    expect(second).not.toBe(firstPort);
    demo = await startDemo(dataDir, second);
    const gatewayBase = `http://127.0.0.1:${second}/dci`;
    const sandboxUrl = `http://127.0.0.1:${second + 100}`;
    expect(demo.sandbox.url).toBe(sandboxUrl);

    const wiring = ok(await demo.gql(WIRING));
    expect(wiring.partner).toEqual({ callbackBase: gatewayBase, jwksUrl: `${sandboxUrl}/crvs/.well-known/jwks.json`, status: 'active' });
    expect(wiring.dataSources).toEqual(
      ['crvs', 'dr', 'ibr', 'social'].map((kind) => ({
        name: `sandbox-${kind}`,
        baseUrl: `${sandboxUrl}/${kind}`,
        callbackBase: gatewayBase,
        jwksUrl: `${sandboxUrl}/${kind}/.well-known/jwks.json`,
        status: 'active',
        auth: { tokenUrl: `${sandboxUrl}/oauth2/client/token` },
      })),
    );

    // A sync call through the new sandbox's token endpoint and keys…
    const drCalls = demo.sandbox.calls('dr').length;
    expect(await disabilityOfRegistered(demo)).toEqual({ registered: true, status: 'Approved', dataSource: 'sandbox-dr' });
    expect(demo.sandbox.calls('dr').length).toBeGreaterThan(drCalls);
    // …and an async one, confirmed by the sandbox on our new callback base with a token from our new port.
    expect(ok(await demo.gql(SUBSCRIBE)).subscribeCrvsEvents).toHaveLength(2);
    expect(demo.sandbox.deliveries('crvs').map((d) => d.url)).toEqual([`${gatewayBase}/registry/on-subscribe`]);
  }, 300_000);
});
