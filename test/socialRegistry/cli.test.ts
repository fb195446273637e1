/**
 * `dci-gateway sr search|subscribe|unsubscribe|import` as an operator runs them: the built CLI in a
 * child process, calling the running gateway (its token from DCI_GATEWAY_TOKEN), which talks to the
 * sandbox's social registry.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Sandbox } from '../../adapters/dci/sandbox';
import { spawnCli } from '../support/cli';
import type { TestGateway } from '../support/gateway';
import { eventually, SOURCE, startSrWorld } from './world';

describe('dci-gateway sr', () => {
  let t: TestGateway;
  let sandbox: Sandbox;
  let stop: () => Promise<void>;
  let dataDir: string;
  let token: string;

  beforeAll(async () => {
    ({ t, sandbox, stop } = await startSrWorld());
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-sr-cli-'));
    token = await t.token(['registry:read', 'registry:write', 'registry:pii']);
  }, 120_000);
  afterAll(async () => {
    await stop?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const sr = async (...args: string[]) => {
    const run = await spawnCli(['sr', ...args, '--gateway', t.url], dataDir, { DCI_GATEWAY_TOKEN: token, LOG_LEVEL: 'silent' }).done;
    return { ...run, json: run.code === 0 ? JSON.parse(run.stdout) : undefined };
  };

  it('searches sync and async', async () => {
    const h = sandbox.households[0];
    const sync = await sr('search', '--source', SOURCE, '--identifier', `UIN=${h.members[0].uin}`);
    expect(sync).toMatchObject({ code: 0, json: { kind: 'search', mode: 'SYNC', status: 'answered' } });
    expect(sync.json.results[0].records[0].group_identifier[0].identifier_value).toBe(h.id);

    const started = await sr('search', '--source', SOURCE, '--where', `location=${h.area.areaCode}`, '--record-type', 'Member', '--async');
    expect(started).toMatchObject({ code: 0, json: { mode: 'ASYNC', ack: { status: 'ACK' } } });
    const id = started.json.id;
    const answered = await eventually(
      async () => (await t.gql(`query ($id: ID!) { socialRegistryTransaction(id: $id) { status results { totalCount } } }`, { id }, token)).body.data!.socialRegistryTransaction,
      (x) => x.status !== 'pending',
    );
    const people = sandbox.households.filter((x) => x.area.areaCode === h.area.areaCode).flatMap((x) => x.members);
    expect(answered).toEqual({ status: 'answered', results: [{ totalCount: people.length }] });
  }, 60_000);

  it('subscribes and unsubscribes', async () => {
    const subscribed = await sr('subscribe', '--source', SOURCE, '--event', 'REGISTER', '--where', `location=${sandbox.households[0].area.areaCode}`);
    expect(subscribed).toMatchObject({ code: 0, json: [{ dataSource: SOURCE, eventType: 'REGISTER', status: 'active' }] });
    const code = subscribed.json[0].code;
    const ended = await sr('unsubscribe', '--source', SOURCE, '--code', code);
    expect(ended).toMatchObject({ code: 0, json: [{ code, status: 'ended' }] });
  }, 60_000);

  it('imports what a search finds, idempotently', async () => {
    const h = sandbox.households[5];
    const first = await sr('import', '--source', SOURCE, '--identifier', `HOUSEHOLD_ID=${h.id}`);
    expect(first).toMatchObject({ code: 0, json: { counts: { created: h.members.length + 1, updated: 0, unchanged: 0, review: 0 }, groups: [{ size: h.members.length }] } });
    const again = await sr('import', '--source', SOURCE, '--transaction', first.json.transaction.id);
    expect(again).toMatchObject({ code: 0, json: { counts: { created: 0, unchanged: h.members.length + 1 } } });
  }, 60_000);

  it('ends with the error code on stderr and nothing on stdout', async () => {
    const missing = await sr('search', '--source', 'nowhere', '--identifier', 'UIN=1');
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toContain('NOT_FOUND: data source nowhere not found');
    const bad = await sr('search', '--source', SOURCE, '--where', 'location');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('must be attribute=value');
  }, 60_000);
});
