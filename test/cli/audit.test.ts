/**
 * `dci-gateway audit export` as an operator runs it: the built CLI in a child process on a throwaway
 * DATA_DIR, over disclosures the gateway's recorder wrote there.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Types } from 'mongoose';
import { disclosureRecorder } from '../../src/audit/disclosures';
import { createLogger } from '../../src/log';
import { openStore } from '../../src/store/connection';
import { registryModels, syncIndexes } from '../../src/store/models';
import { runCli as cli } from '../support/cli';

describe('dci-gateway audit export', () => {
  let dataDir: string;
  const halima = new Types.ObjectId().toHexString();
  const sekou = new Types.ObjectId().toHexString();

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-audit-cli-'));
    const store = await openStore({ dataDir, log: createLogger('silent') });
    try {
      await syncIndexes(store.connection);
      const recorder = disclosureRecorder(registryModels(store.connection));
      const given = [{ field: 'given_name', level: 'given' as const }, { field: 'birth_date', level: 'given' as const }];
      await recorder.record(
        { partner: 'spmis.example.org', messageId: 'm-1', transactionId: 't-1', action: 'on-search', at: new Date('2026-11-30T23:59:59Z') },
        [{ individualId: halima, fields: given, purpose: { consent: 'CG-ELIG' }, referenceId: 'r-1' }],
      );
      await recorder.record(
        { partner: 'spmis.example.org', messageId: 'm-2', transactionId: 't-2', action: 'on-search', at: new Date('2026-12-01T08:00:00Z') },
        [
          { individualId: halima, fields: given, purpose: { consent: 'CG-ELIG' }, referenceId: 'r-2' },
          { individualId: sekou, fields: [{ field: 'given_name', level: 'masked' }], purpose: {}, referenceId: 'r-2' },
        ],
      );
      await recorder.record(
        { partner: 'ibr.example.org', messageId: 'm-3', transactionId: 't-3', action: 'notify', at: new Date('2026-12-02T10:00:00Z') },
        [{ individualId: sekou, fields: given, purpose: { authorize: 'DSA-7' }, referenceId: 'sub-1' }],
      );
    } finally {
      await store.close();
    }
  }, 120_000);
  afterAll(() => {
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const lines = (stdout: string) => stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));

  it('prints the disclosures from --from to --to as NDJSON, oldest first', async () => {
    const run = await cli(['audit', 'export', '--from', '2026-12-01', '--to', '2026-12-03T00:00:00Z'], dataDir);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout.endsWith('\n')).toBe(true);
    expect(lines(run.stdout)).toEqual([
      {
        id: `m-2:${halima}`,
        partner: 'spmis.example.org',
        individualId: halima,
        fields: [{ field: 'given_name', level: 'given' }, { field: 'birth_date', level: 'given' }],
        purpose: { consent: 'CG-ELIG', authorize: null },
        transactionId: 't-2',
        messageId: 'm-2',
        action: 'on-search',
        referenceId: 'r-2',
        at: '2026-12-01T08:00:00.000Z',
      },
      expect.objectContaining({ individualId: sekou, messageId: 'm-2', purpose: null, fields: [{ field: 'given_name', level: 'masked' }] }),
      expect.objectContaining({ individualId: sekou, partner: 'ibr.example.org', action: 'notify', purpose: { consent: null, authorize: 'DSA-7' } }),
    ]);
  }, 120_000);

  it('keeps to one partner with --partner, and --to is exclusive', async () => {
    const run = await cli(['audit', 'export', '--from', '2026-11-30', '--to', '2026-12-02T10:00:00Z', '--partner', 'ibr.example.org'], dataDir);
    expect(run).toMatchObject({ code: 0, stdout: '' });
    const spmis = await cli(['audit', 'export', '--from', '2026-11-30', '--to', '2026-12-31', '--partner', 'spmis.example.org'], dataDir);
    expect(lines(spmis.stdout).map((d) => d.messageId)).toEqual(['m-1', 'm-2', 'm-2']);
  }, 120_000);

  it('refuses a period it cannot read, printing nothing', async () => {
    const badDate = await cli(['audit', 'export', '--from', 'yesterday', '--to', '2026-12-31'], dataDir);
    expect(badDate.code).not.toBe(0);
    expect(badDate.stderr).toContain('--from');
    expect(badDate.stdout).toBe('');
    const backwards = await cli(['audit', 'export', '--from', '2026-12-31', '--to', '2026-12-01'], dataDir);
    expect(backwards.code).toBe(1);
    expect(backwards.stderr).toContain('--to must be later than --from');
    const missing = await cli(['audit', 'export', '--from', '2026-12-01'], dataDir);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('--to');
  }, 120_000);
});
