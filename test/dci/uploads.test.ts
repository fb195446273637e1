/**
 * Bulk identifier uploads over HTTP with real keys: POST {base}/registry/upload/search answered in
 * signed on-search pages (verified through our JWKS) with txn status for progress, and
 * {base}/registry/upload/verify answered found / not found; every coded refusal leaves nothing behind
 * and does not use up its message id.
 */
import { createHash, randomUUID } from 'node:crypto';
import { seedRegistry, demoUin } from '../../src/registry/seed';
import { newHeader, signingProfile, validatorFor } from '../../adapters/dci/protocol';
import { startTestGateway, TestGateway } from '../support/gateway';
import { registerPartner, TestPartner } from '../support/dciPartner';
import { quietPeriod, Receiver, ReceivedRequest, startReceiver, verifyWithGatewayJwks } from '../support/receiver';

jest.setTimeout(240_000);

interface UploadOptions {
  format?: string;
  /** The SHA-256 the message names; by default the file's. */
  sha256?: string;
  messageId?: string;
  transactionId?: string;
  senderUri?: string;
  /** Changes the envelope after signing. */
  tamper?: (envelope: any) => void;
  /** The whole body, instead of the multipart form. */
  rawBody?: { contentType: string; body: string };
}

describe('DCI identifier uploads (end to end)', () => {
  let t: TestGateway;
  let receiver: Receiver;
  let partner: TestPartner;
  const SEED = 21;
  const PEOPLE = 150;
  /** The UIN of the n-th seeded person, 0-based (the seed numbers them from 1). */
  const known = (n: number) => demoUin(SEED, n + 1);
  /** Same shape, another seed's prefix: held by no one here. */
  const unknown = (n: number) => demoUin(SEED + 1, n);
  const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');
  const db = () => t.gateway.store.connection;

  beforeAll(async () => {
    t = await startTestGateway();
    receiver = await startReceiver();
    await seedRegistry(t.gateway.models, { individuals: PEOPLE, seed: SEED });
    partner = await registerPartner(t.gateway, { senderId: 'upload.mis.example.org', callbackBase: `${receiver.url}/dci`, pii: true });
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.stop();
  });

  async function upload(who: TestPartner, path: '/registry/upload/search' | '/registry/upload/verify', file: string, opts: UploadOptions = {}) {
    const action = path === '/registry/upload/search' ? 'search' : 'verify';
    const header = { ...newHeader({ senderId: who.senderId, receiverId: 'dci-gateway', action, totalCount: 1, senderUri: opts.senderUri }), ...(opts.messageId && { message_id: opts.messageId }) };
    const message = { transaction_id: opts.transactionId ?? randomUUID(), file: { sha256: opts.sha256 ?? sha256(file), format: opts.format ?? 'csv' } };
    const signed = await signingProfile('default').sign({ header, message }, who.key);
    let envelope = signed.rawBody;
    if (opts.tamper) {
      const body = JSON.parse(envelope);
      opts.tamper(body);
      envelope = JSON.stringify(body);
    }
    const form = new FormData();
    form.append('envelope', new Blob([envelope], { type: 'application/json' }), 'envelope.json');
    form.append('file', new Blob([file], { type: 'text/csv' }), 'identifiers.csv');
    const res = await fetch(`${t.url}/dci${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await who.token()}`, ...(opts.rawBody && { 'content-type': opts.rawBody.contentType }) },
      body: opts.rawBody ? opts.rawBody.body : form,
    });
    const raw = await res.text();
    return { status: res.status, headers: res.headers, raw, body: raw ? JSON.parse(raw) : undefined, messageId: header.message_id, transactionId: message.transaction_id };
  }

  const csv = (identifiers: string[], type = 'UIN') => ['type,value', ...identifiers.map((v) => `${type},${v}`)].join('\n') + '\n';
  const isPage = (transactionId: string) => (r: ReceivedRequest) => r.path === '/dci/registry/on-search' && r.body?.message?.transaction_id === transactionId;
  const errOf = (res: { status: number; body: any }) => ({ status: res.status, code: res.body?.message?.error?.code, reason: String(res.body?.message?.error?.message).split(':')[0] });

  /** What a refused upload could have left: its transaction, pages, pending slot, job. */
  async function leftBehind(res: { body: any; transactionId: string }) {
    const correlationId = res.body.message.correlation_id;
    const [transactions, pages, slots, jobs] = await Promise.all([
      db().collection('dci_transactions').countDocuments({ transactionId: res.transactionId }),
      db().collection('dci_upload_pages').countDocuments({ correlationId }),
      db().collection('dci_upload_slots').countDocuments({ correlationId }),
      db().collection('jobs').countDocuments({ key: `upload:${correlationId}:1` }),
    ]);
    return { transactions, pages, slots, jobs };
  }
  const NOTHING = { transactions: 0, pages: 0, slots: 0, jobs: 0 };

  /** Waits until the upload's last page is delivered and its pending slot freed. */
  const answered = (res: { transactionId: string }) =>
    until(async () => (await db().collection('dci_transactions').findOne({ transactionId: res.transactionId }))?.delivery.state === 'delivered', 60_000).then(() =>
      until(async () => (await db().collection('dci_upload_slots').countDocuments({})) === 0, 10_000),
    );

  async function until(condition: () => Promise<boolean>, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
      await quietPeriod(100);
    }
  }

  const txnStatus = (who: TestPartner, transactionId: string) =>
    who.send('/registry/sync/txn/status', 'txn-status', {
      transaction_id: `status-${randomUUID()}`,
      txnstatus_request: { reference_id: `ref-${randomUUID()}`, txn_type: 'search', attribute_type: 'transaction_id', attribute_value: transactionId },
    });

  it('answers a 10,000-identifier CSV upload in signed on-search pages, and reports every page delivered', async () => {
    // Every 50th identifier is held by someone; the rest by no one.
    const identifiers = Array.from({ length: 10_000 }, (_, i) => (i % 50 === 0 ? known((i / 50) % PEOPLE) : unknown(i)));
    const res = await upload(partner, '/registry/upload/search', csv(identifiers));
    expect(res.status).toBe(202);
    expect(validatorFor('social', '/registry/search', 'response')(res.body)).toEqual({ ok: true });
    expect(res.body.message.ack_status).toBe('ACK');

    const pages = await receiver.waitForCount(isPage(res.transactionId), 10, 180_000);
    expect(pages).toHaveLength(10);
    const validOnSearch = validatorFor('social', '/registry/on-search', 'request');
    const items: any[] = [];
    for (const page of pages) {
      expect(validOnSearch(page.body)).toEqual({ ok: true });
      await expect(verifyWithGatewayJwks(t.url, page)).resolves.toMatchObject({ ok: true });
      expect(page.body.header).toMatchObject({ action: 'on-search', status: 'succ', receiver_id: partner.senderId, total_count: 10_000 });
      expect(page.body.message.correlation_id).toBe(res.body.message.correlation_id);
      items.push(...page.body.message.search_response);
    }
    // Pages come in order, each counting the identifiers answered so far.
    expect(pages.map((p) => p.body.header.completed_count)).toEqual(Array.from({ length: 10 }, (_, i) => (i + 1) * 1000));
    expect(new Set(pages.map((p) => p.body.header.message_id)).size).toBe(10);
    expect(items.map((i) => i.reference_id)).toEqual(Array.from({ length: 10_000 }, (_, i) => String(i + 1)));
    expect(items.every((i) => i.status === 'succ')).toBe(true);
    const found = items.filter((i) => i.data.reg_records.length > 0);
    expect(found.map((i) => Number(i.reference_id) - 1)).toEqual(Array.from({ length: 200 }, (_, k) => k * 50));
    const uinOf = (item: any) => item.data.reg_records[0].demographic_info.identifier.find((id: any) => id.identifier_type === 'UIN').identifier_value;
    expect(uinOf(found[3])).toBe(known(3));
    // Every person shown is in the disclosure audit, under the message id of the page that showed them.
    const disclosures = await db().collection('disclosures').find({ transactionId: res.transactionId }).toArray();
    expect(disclosures).toHaveLength(200);
    expect(new Set(disclosures.map((d) => d.messageId))).toEqual(new Set(pages.map((p) => p.body.header.message_id)));
    expect(disclosures.map((d) => d.referenceId).sort()).toEqual(found.map((i) => i.reference_id).sort());
    expect(disclosures.every((d) => d.action === 'on-search' && d.partner === partner.senderId)).toBe(true);

    // Recorded just after the last page is delivered.
    await until(async () => (await db().collection('dci_transactions').findOne({ transactionId: res.transactionId }))?.delivery.state === 'delivered', 30_000);
    const status = await txnStatus(partner, res.transactionId);
    expect(status.status).toBe(200);
    expect(validatorFor('social', '/registry/sync/txn/status', 'response')(status.body)).toEqual({ ok: true });
    await expect(verifyWithGatewayJwks(t.url, { body: status.body, raw: status.raw, headers: {} })).resolves.toMatchObject({ ok: true });
    const progress = status.body.message.txnstatus_response.txn_status.search_response;
    expect(progress.map((p: any) => [p.reference_id, p.status, p.pagination.page_number])).toEqual(Array.from({ length: 10 }, (_, i) => [`page-${i + 1}`, 'succ', i + 1]));
    expect(progress[0].pagination).toMatchObject({ page_size: 1000, total_count: 10_000 });
    // Delivered pages keep neither the identifiers nor the answer.
    const stored = await db().collection('dci_upload_pages').find({ correlationId: res.body.message.correlation_id }).toArray();
    expect(stored.filter((p) => p.itemsJson !== undefined || p.answerJson !== undefined)).toEqual([]);
    expect(await db().collection('dci_upload_slots').countDocuments({ correlationId: res.body.message.correlation_id })).toBe(0);
  });

  it('verifies identifiers found or not found in the HTTP answer, a type the partner may not search on rejected on its own item', async () => {
    const file = JSON.stringify([
      { type: 'UIN', value: known(1) },
      { type: 'UIN', value: unknown(1) },
      { type: 'UIN', value: known(2) },
      { type: 'PASSPORT', value: 'X123' },
    ]);
    const res = await upload(partner, '/registry/upload/verify', file, { format: 'json' });
    expect(res.status).toBe(200);
    expect(validatorFor('social', '/registry/upload/verify', 'response')(res.body)).toEqual({ ok: true });
    await expect(verifyWithGatewayJwks(t.url, { body: res.body, raw: res.raw, headers: {} })).resolves.toMatchObject({ ok: true });
    expect(res.body.header).toMatchObject({ action: 'on-verify', status: 'succ', total_count: 4 });
    const answers = res.body.message.verify_response;
    expect(answers.slice(0, 3)).toEqual([
      { reference_id: '1', status: 'succ', found: true },
      { reference_id: '2', status: 'succ', found: false },
      { reference_id: '3', status: 'succ', found: true },
    ]);
    expect(answers[3]).toMatchObject({ reference_id: '4', status: 'rjct', status_reason_code: 'rjct.filter.invalid' });
    expect(answers[3].found).toBeUndefined();
    expect(JSON.stringify(res.body.message)).not.toContain('demographic_info');
  });

  it('verifies 10,000 identifiers synchronously, and refuses 10,001', async () => {
    const identifiers = Array.from({ length: 10_000 }, (_, i) => (i < PEOPLE ? known(i) : unknown(i)));
    const res = await upload(partner, '/registry/upload/verify', csv(identifiers));
    expect(res.status).toBe(200);
    const answers = res.body.message.verify_response;
    expect(answers).toHaveLength(10_000);
    expect(answers.filter((a: any) => a.found).map((a: any) => Number(a.reference_id))).toEqual(Array.from({ length: PEOPLE }, (_, i) => i + 1));

    const tooMany = await upload(partner, '/registry/upload/verify', csv([...identifiers, unknown(10_000)]));
    expect(errOf(tooMany)).toEqual({ status: 400, code: 'err.request.bad', reason: 'rjct.total_count.limit_exceeded' });
  });

  describe('refusals', () => {
    it('refuses a file over 100,000 identifiers, then accepts the same message id once corrected', async () => {
      const messageId = randomUUID();
      const transactionId = `count-${randomUUID()}`;
      const refused = await upload(partner, '/registry/upload/search', csv(Array.from({ length: 100_001 }, (_, i) => unknown(i))), { messageId, transactionId });
      expect(errOf(refused)).toEqual({ status: 400, code: 'err.request.bad', reason: 'rjct.total_count.limit_exceeded' });
      expect(await leftBehind(refused)).toEqual(NOTHING);

      const accepted = await upload(partner, '/registry/upload/search', csv([known(5)]), { messageId, transactionId });
      expect(accepted.status).toBe(202);
      await receiver.waitFor(isPage(transactionId), 60_000);
      await answered(accepted);
    });

    it('refuses a body over the size limit', async () => {
      const refused = await upload(partner, '/registry/upload/search', 'UIN,1\n'.repeat(3_000_000));
      expect(errOf(refused)).toEqual({ status: 413, code: 'err.request.bad', reason: 'upload.too_large' });
      expect(await db().collection('dci_transactions').countDocuments({ transactionId: refused.transactionId })).toBe(0);
    });

    it('refuses files that are not CSV or JSON identifier lists, and a body that is not multipart', async () => {
      const messageId = randomUUID();
      for (const [file, format] of [
        ['type,value\nUIN,1,extra\n', 'csv'],
        ['{"type":"UIN","value":"1"}', 'json'],
        [`UIN,${known(1)}\n`, 'xml'],
        ['', 'csv'],
      ]) {
        const refused = await upload(partner, '/registry/upload/search', file, { format, messageId });
        expect(errOf(refused)).toEqual({ status: 400, code: 'err.request.bad', reason: 'upload.format.invalid' });
        expect(await leftBehind(refused)).toEqual(NOTHING);
      }
      const json = await upload(partner, '/registry/upload/search', '', { rawBody: { contentType: 'application/json', body: '{}' } });
      expect(errOf(json)).toEqual({ status: 415, code: 'err.request.bad', reason: 'upload.format.invalid' });
      const accepted = await upload(partner, '/registry/upload/search', csv([known(6)]), { messageId });
      expect(accepted.status).toBe(202);
      await answered(accepted);
    });

    it('refuses a file whose SHA-256 is not the one the signed message names', async () => {
      const messageId = randomUUID();
      const refused = await upload(partner, '/registry/upload/search', csv([known(7)]), { sha256: sha256(csv([known(8)])), messageId });
      expect(errOf(refused)).toEqual({ status: 401, code: 'err.signature.invalid', reason: 'upload.sha256.mismatch' });
      expect(await leftBehind(refused)).toEqual(NOTHING);
      const accepted = await upload(partner, '/registry/upload/search', csv([known(7)]), { messageId });
      expect(accepted.status).toBe(202);
      await answered(accepted);
    });

    it('refuses an envelope whose signature does not verify (the file named by another SHA-256 after signing)', async () => {
      const messageId = randomUUID();
      const file = csv([known(9)]);
      const refused = await upload(partner, '/registry/upload/search', file, { messageId, sha256: sha256('other'), tamper: (envelope) => (envelope.message.file.sha256 = sha256(file)) });
      expect(errOf(refused)).toEqual({ status: 401, code: 'err.signature.invalid', reason: 'the signature does not verify' });
      expect(await leftBehind(refused)).toEqual(NOTHING);
      const accepted = await upload(partner, '/registry/upload/search', file, { messageId });
      expect(accepted.status).toBe(202);
      await answered(accepted);
    });

    it('refuses an upload without a token before reading it', async () => {
      const res = await fetch(`${t.url}/dci/registry/upload/search`, { method: 'POST', body: new FormData() });
      expect(res.status).toBe(401);
      expect(((await res.json()) as any).message.error.code).toBe('err.request.unauthorized');
    });

    it('refuses a third pending upload of one partner, reports the pending pages, and takes uploads again once one is answered', async () => {
      const slow = await registerPartner(t.gateway, { senderId: 'slow.mis.example.org', callbackBase: `${receiver.url}/slow`, pii: true });
      receiver.failNext(1000, 503, (p) => p.startsWith('/slow'));
      const first = await upload(slow, '/registry/upload/search', csv([known(10), unknown(10)]));
      const second = await upload(slow, '/registry/upload/search', csv([known(11)]));
      expect([first.status, second.status]).toEqual([202, 202]);

      const messageId = randomUUID();
      const third = await upload(slow, '/registry/upload/search', csv([known(12)]), { messageId });
      expect(errOf(third)).toEqual({ status: 429, code: 'err.request.too_many_requests', reason: 'upload.pending.limit_exceeded' });
      expect(third.headers.get('retry-after')).toBe('60');
      expect(await leftBehind(third)).toEqual(NOTHING);
      // Another partner's uploads are not held up.
      expect((await upload(partner, '/registry/upload/search', csv([known(13)]))).status).toBe(202);

      await receiver.waitFor((r) => r.path === '/slow/registry/on-search' && r.body?.message?.transaction_id === first.transactionId, 30_000);
      const status = await txnStatus(slow, first.transactionId);
      expect(status.body.message.txnstatus_response.txn_status.search_response).toEqual([
        expect.objectContaining({ reference_id: 'page-1', status: 'pdng', pagination: { page_size: 1000, page_number: 1, total_count: 2 } }),
      ]);

      receiver.clear();
      const cb = await receiver.waitFor((r) => r.path === '/slow/registry/on-search' && r.answeredWith === 200 && r.body?.message?.transaction_id === first.transactionId, 60_000);
      await expect(verifyWithGatewayJwks(t.url, cb)).resolves.toMatchObject({ ok: true });
      await receiver.waitFor((r) => r.path === '/slow/registry/on-search' && r.answeredWith === 200 && r.body?.message?.transaction_id === second.transactionId, 60_000);
      // The slots are freed just after the last page is delivered.
      await until(async () => (await db().collection('dci_upload_slots').countDocuments({ senderId: slow.senderId })) < 2, 30_000);
      const resent = await upload(slow, '/registry/upload/search', csv([known(12)]), { messageId });
      expect(resent.status).toBe(202);
    });
  });
});
