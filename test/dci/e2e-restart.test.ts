import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { Gateway, startGateway } from '../../src/gateway';
import { createLogger } from '../../src/log';
import { seedRegistry, demoUin } from '../../src/registry/seed';
import { validatorFor } from '../../adapters/dci/protocol';
import { registerPartner, searchItem } from '../support/dciPartner';
import { quietPeriod, Receiver, startReceiver, verifyWithGatewayJwks } from '../support/receiver';

jest.setTimeout(60_000);

describe('DCI async callback survives a gateway restart (end to end)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-restart-'));
  const start = () => startGateway(loadConfig({ NODE_ENV: 'test', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), createLogger('silent'));
  let first: Gateway | undefined;
  let second: Gateway | undefined;
  let receiver: Receiver | undefined;

  afterAll(async () => {
    await receiver?.close();
    await first?.stop().catch(() => undefined);
    await second?.stop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers the callback of a request ACKed before the restart, exactly once', async () => {
    // A port nobody listens on yet: the first gateway cannot deliver.
    const probe = await startReceiver();
    const port = probe.port;
    await probe.close();

    first = await start();
    await seedRegistry(first.models, { individuals: 30, seed: 13 });
    const partner = await registerPartner(first, { senderId: 'restart.example.org', callbackBase: `http://127.0.0.1:${port}/dci`, pii: true });
    const res = await partner.send(
      '/registry/search',
      'search',
      { transaction_id: 'txn-restart', search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(13, 2) }, response_entity: 'Member' }, 'ref-restart')] },
      { senderUri: `http://127.0.0.1:${port}/dci/registry/on-search` },
    );
    expect(res.status).toBe(202);
    await first.stop();
    first = undefined;

    receiver = await startReceiver({ port });
    second = await start();
    const cb = await receiver.waitFor((r) => r.path === '/dci/registry/on-search' && r.body?.message?.transaction_id === 'txn-restart', 30_000);
    expect(validatorFor('social', '/registry/on-search', 'request')(cb.body)).toEqual({ ok: true });
    await expect(verifyWithGatewayJwks(second.url, cb)).resolves.toMatchObject({ ok: true });
    expect(cb.body.message.search_response[0]).toMatchObject({ reference_id: 'ref-restart', status: 'succ' });
    await quietPeriod(2500);
    expect(receiver.matching((r) => r.body?.message?.transaction_id === 'txn-restart')).toHaveLength(1);
  });
});
