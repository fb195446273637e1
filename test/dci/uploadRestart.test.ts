/**
 * An upload ACKed before a restart is answered after it: its pages and their stored answers are in
 * the database, the page whose delivery failed goes out again with the same message id, and every
 * page is delivered once.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { Gateway, startGateway } from '../../src/gateway';
import { createLogger } from '../../src/log';
import { seedRegistry, demoUin } from '../../src/registry/seed';
import { newHeader, signingProfile } from '../../adapters/dci/protocol';
import { registerPartner } from '../support/dciPartner';
import { quietPeriod, Receiver, startReceiver, verifyWithGatewayJwks } from '../support/receiver';

jest.setTimeout(120_000);

describe('DCI upload answered across a gateway restart (end to end)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-upload-restart-'));
  const start = () =>
    startGateway(loadConfig({ NODE_ENV: 'test', EMBEDDED_ENGINE: process.env.EMBEDDED_ENGINE, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), createLogger('silent'));
  let first: Gateway | undefined;
  let second: Gateway | undefined;
  let receiver: Receiver | undefined;

  afterAll(async () => {
    await receiver?.close();
    await first?.stop().catch(() => undefined);
    await second?.stop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every page once, the one that failed before the restart under its first message id', async () => {
    receiver = await startReceiver();
    const isPage = (r: { path: string }) => r.path === '/dci/registry/on-search';
    receiver.failNext(1000, 503, (p) => p === '/dci/registry/on-search');
    first = await start();
    await seedRegistry(first.models, { individuals: 20, seed: 17 });
    const partner = await registerPartner(first, { senderId: 'upload-restart.example.org', callbackBase: `${receiver.url}/dci`, pii: true });

    const file = `${Array.from({ length: 2500 }, (_, i) => `UIN,${demoUin(i % 2 === 0 ? 17 : 18, (i % 20) + 1)}`).join('\n')}\n`;
    const header = newHeader({ senderId: partner.senderId, receiverId: 'dci-gateway', action: 'search', totalCount: 1 });
    const message = { transaction_id: 'txn-upload-restart', file: { sha256: createHash('sha256').update(file).digest('hex'), format: 'csv' } };
    const signed = await signingProfile('default').sign({ header, message }, partner.key);
    const form = new FormData();
    form.append('envelope', new Blob([signed.rawBody], { type: 'application/json' }), 'envelope.json');
    form.append('file', new Blob([file], { type: 'text/csv' }), 'identifiers.csv');
    const res = await fetch(`${first.url}/dci/registry/upload/search`, { method: 'POST', headers: { authorization: `Bearer ${await partner.token()}` }, body: form });
    expect(res.status).toBe(202);

    const refused = await receiver.waitFor(isPage, 30_000);
    expect(refused.answeredWith).toBe(503);
    await first.stop();
    first = undefined;

    receiver.clear();
    second = await start();
    const pages = await receiver.waitForCount((r) => isPage(r) && r.answeredWith === 200, 3, 90_000);
    expect(pages.map((p) => p.body.header.completed_count)).toEqual([1000, 2000, 2500]);
    expect(pages[0].body.header.message_id).toBe(refused.body.header.message_id);
    for (const page of pages) await expect(verifyWithGatewayJwks(second.url, page)).resolves.toMatchObject({ ok: true });
    const found = pages.flatMap((p) => p.body.message.search_response).filter((i: any) => i.data.reg_records.length > 0);
    expect(found).toHaveLength(1250);
    await quietPeriod(2500);
    expect(receiver.matching(isPage)).toHaveLength(3);
  });
});
