/**
 * Bulk identifier search (issue 11): 100,000 identifiers uploaded as one CSV to
 * `{base}/registry/upload/search`, timed from the POST to the last on-search page received by a
 * partner receiver in this process; then `{base}/registry/upload/verify` with 10,000. A fifth of
 * the identifiers are the seeded people's (each found once), the rest are held by no one. Only the
 * job queue of the DCI side runs during the measure (the outbox notifier stays paused, see context.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { KeyRing, newHeader, signingProfile } from '../adapters/dci/protocol';
import { FULL_DISCLOSURE } from '../adapters/dci/server/disclosure';
import { MAX_UPLOAD_SEARCH_IDENTIFIERS, MAX_UPLOAD_VERIFY_IDENTIFIERS } from '../adapters/dci/server/uploads';
import { createPartner } from '../src/partners/service';
import { demoUin } from '../src/registry/seed';
import type { BenchContext } from './context';
import { SEED } from './context';
import { fixed, table } from './support';

const SENDER = 'bench-upload.example.org';
/** The target: every identifier answered within 5 minutes. */
const TARGET_SECONDS = 300;
/** The bench gives up waiting for the last page after this long. */
const GIVE_UP_MS = 30 * 60_000;

interface Page {
  completed: number;
  items: { status: string; data?: { reg_records: unknown[] } }[];
  at: number;
}

/** A partner's on-search receiver: records each page of one transaction and when it came. */
async function startReceiver(): Promise<{ url: string; pages: Page[]; close(): Promise<void> }> {
  const pages: Page[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      pages.push({ completed: body.header.completed_count, items: body.message.search_response, at: performance.now() });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: { ack_status: 'ACK', timestamp: new Date().toISOString(), correlation_id: 'bench' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `count` identifiers, every fifth a seeded person's UIN (in turn), the others another seed's, held by no one. */
function identifiers(count: number, individuals: number): string {
  const lines = Array.from({ length: count }, (_, i) => `UIN,${i % 5 === 0 ? demoUin(SEED, ((i / 5) % individuals) + 1) : demoUin(SEED + 1, i)}`);
  return `type,value\n${lines.join('\n')}\n`;
}

export async function run(ctx: BenchContext): Promise<string> {
  const { gateway, note } = ctx;
  const receiver = await startReceiver();
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-bench-upload-'));
  gateway.dci.jobs.start();
  try {
    const key = (await KeyRing.open(keyDir)).activeKey();
    const { clientId, clientSecret } = await createPartner(
      gateway.models,
      { senderId: SENDER, publicKeys: [key.publicJwk], callbackBase: `${receiver.url}/dci`, scopes: ['dci:search'], disclosure: FULL_DISCLOSURE, rateLimitPerMinute: 1_000_000 },
      new Date(),
    );
    const tokenRes = await fetch(`${gateway.url}/oauth2/client/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    });
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    const post = async (route: 'search' | 'verify', file: string) => {
      const header = newHeader({ senderId: SENDER, action: route, totalCount: 1 });
      const message = { transaction_id: `bench-upload-${route}-${Date.now()}`, file: { sha256: createHash('sha256').update(file).digest('hex'), format: 'csv' } };
      const signed = await signingProfile('default').sign({ header, message }, key);
      const form = new FormData();
      form.append('envelope', new Blob([signed.rawBody], { type: 'application/json' }), 'envelope.json');
      form.append('file', new Blob([file], { type: 'text/csv' }), 'identifiers.csv');
      const t0 = performance.now();
      const res = await fetch(`${gateway.url}/dci/registry/upload/${route}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
      const body = await res.text();
      return { t0, ms: performance.now() - t0, status: res.status, body };
    };

    const count = MAX_UPLOAD_SEARCH_IDENTIFIERS;
    const file = identifiers(count, ctx.individuals);
    note(`uploading ${count} identifiers (${(file.length / 2 ** 20).toFixed(1)} MiB)`);
    const searched = await post('search', file);
    if (searched.status !== 202) throw new Error(`upload/search answered HTTP ${searched.status}: ${searched.body.slice(0, 300)}`);
    const expectedPages = Math.ceil(count / 1000);
    const deadline = Date.now() + GIVE_UP_MS;
    let reported = 0;
    while (receiver.pages.length < expectedPages) {
      if (Date.now() > deadline) throw new Error(`only ${receiver.pages.length} of ${expectedPages} pages after ${GIVE_UP_MS / 60_000} minutes`);
      if (receiver.pages.length >= reported + 10) {
        reported = receiver.pages.length;
        note(`${reported} pages received`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const last = Math.max(...receiver.pages.map((p) => p.at));
    const seconds = (last - searched.t0) / 1000;
    const items = receiver.pages.flatMap((p) => p.items);
    const found = items.filter((i) => (i.data?.reg_records.length ?? 0) > 0).length;
    const rejected = items.filter((i) => i.status !== 'succ').length;
    if (items.length !== count || found !== count / 5 || rejected > 0) {
      throw new Error(`upload answered ${items.length} items, ${found} found, ${rejected} rejected; expected ${count}, ${count / 5}, 0`);
    }

    note(`verifying ${MAX_UPLOAD_VERIFY_IDENTIFIERS} identifiers`);
    const verified = await post('verify', identifiers(MAX_UPLOAD_VERIFY_IDENTIFIERS, ctx.individuals));
    if (verified.status !== 200) throw new Error(`upload/verify answered HTTP ${verified.status}: ${verified.body.slice(0, 300)}`);
    const verifyFound = (JSON.parse(verified.body).message.verify_response as { found?: boolean }[]).filter((a) => a.found).length;

    const load = os.loadavg().map((l) => l.toFixed(1)).join(', ');
    return [
      '## Bulk identifier search (issue 11)',
      '',
      `${count} identifiers in one CSV (a fifth held by seeded people), ${expectedPages} on-search pages of 1,000 to a receiver in the bench process; load average after the run ${load}.`,
      '',
      table(
        ['measure', 'figure', 'target'],
        [
          [`upload/search ACK (file stored, ${fixed(file.length / 2 ** 20)} MiB)`, `${fixed(searched.ms / 1000, 2)} s`, ''],
          [`upload/search, POST to last page received`, `${fixed(seconds)} s (${Math.round(count / seconds)} identifiers/s)`, `≤ ${TARGET_SECONDS} s`],
          [`upload/verify, ${MAX_UPLOAD_VERIFY_IDENTIFIERS} identifiers, ${verifyFound} found`, `${fixed(verified.ms / 1000, 2)} s`, ''],
        ],
      ),
    ].join('\n');
  } finally {
    await gateway.dci.jobs.stop();
    await receiver.close();
    fs.rmSync(keyDir, { recursive: true, force: true });
  }
}
