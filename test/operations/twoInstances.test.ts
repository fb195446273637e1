/**
 * Two gateway instances on one database (docs/operations.md, "Several instances"): one is killed
 * with SIGKILL in the middle of a batch of async searches and notifications, the other finishes the
 * work. Every callback and notification reaches the partner once as far as the partner can tell: a
 * delivery repeated after the kill (the killed runner had POSTed but not recorded it) carries the
 * same message_id, which the DCI replay rules let the partner drop.
 */
import { ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demoUin, seedRegistry } from '../../src/registry/seed';
import { recordDeath } from '../../src/registry/individuals';
import { registryModels } from '../../src/store/models';
import { freePort } from '../support/freePort';
import { validatorFor } from '../../adapters/dci/protocol';
import { spawnCli } from '../support/cli';
import { registerPartner, searchItem, TestPartner } from '../support/dciPartner';
import { ReceivedRequest, quietPeriod, Receiver, startReceiver, verifyWithGatewayJwks } from '../support/receiver';
import { startTestStore, TestStore } from '../support/store';

jest.setTimeout(240_000);

const SEED = 23;
const SEARCHES = 16;
const DEATHS = 8;
/** The killed instance's claimed jobs are taken over once their lease runs out: 10 s here, not the default minute. */
const JOB_LEASE_SECONDS = '10';
const TAKEOVER_DEADLINE_MS = 150_000;

interface Instance {
  url: string;
  child: ChildProcessWithoutNullStreams;
}

describe('two instances on one database, one killed mid-batch', () => {
  let store: TestStore;
  let dataDir: string;
  let receiver: Receiver;
  let partner: TestPartner;
  const instances: Instance[] = [];

  /** `serve` on the shared database and the shared DATA_DIR (keys), as two hosts behind a load balancer run it. */
  async function startInstance(mongodbUri: string): Promise<Instance> {
    const port = await freePort();
    const { child, done } = spawnCli(['serve'], dataDir, { MONGODB_URI: mongodbUri, PORT: String(port), LOG_LEVEL: 'warn', JOB_LEASE_SECONDS });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const exited = await Promise.race([done.then((run) => run), quietPeriod(250).then(() => undefined)]);
      if (exited) throw new Error(`instance exited with ${exited.code}: ${exited.stderr}`);
      const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error('instance not ready within 60 s');
    }
    const instance = { url, child };
    instances.push(instance);
    return instance;
  }

  beforeAll(async () => {
    store = await startTestStore();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-two-'));
    // Answering slowly keeps callbacks in flight on the instance that is killed.
    receiver = await startReceiver({ answerDelayMs: 1500 });
  }, 120_000);

  afterAll(async () => {
    for (const { child } of instances) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.all(instances.map(({ child }) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)))));
    await receiver?.close();
    await store?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const isCallback = (r: ReceivedRequest) => r.path === '/dci/registry/on-search';
  const isNotification = (code: string) => (r: ReceivedRequest) => r.path === '/dci/registry/notify' && r.body?.message?.notify_event?.[0]?.reference_id === code;
  /** What a partner keeps after dropping repeated message ids. */
  const byMessageId = (requests: ReceivedRequest[]) => new Map(requests.map((r) => [r.body.header.message_id as string, r]));

  it('delivers every callback and notification once after one instance dies', async () => {
    const uri = store.engine?.uri ?? process.env.TEST_MONGODB_URI;
    if (!uri) throw new Error('the test store has no engine URI');
    const a = await startInstance(uri);
    const b = await startInstance(uri);
    const models = registryModels(store.connection);
    await seedRegistry(models, { individuals: 80, seed: SEED });
    partner = await registerPartner({ models, url: a.url }, { senderId: 'two-instances.example.org', callbackBase: `${receiver.url}/dci` });

    // A subscription (through B) to deaths in the area where most people live.
    const people = await models.Individual.find({ status: 'active' }, { areaCode: 1 }).lean();
    const counts = new Map<string, number>();
    for (const p of people) counts.set(p.areaCode!, (counts.get(p.areaCode!) ?? 0) + 1);
    const [area] = [...counts].sort((x, y) => y[1] - x[1])[0];
    const subscribed = await partner.send(
      '/registry/subscribe',
      'subscribe',
      {
        transaction_id: 'two-sub',
        subscribe_request: [
          {
            reference_id: 'two-sub-ref',
            timestamp: new Date().toISOString(),
            subscribe_criteria: {
              reg_event_type: 'Death',
              filter_type: 'predicate',
              filter: [{ seq_num: 1, expression1: { attribute_name: 'location', operator: 'eq', attribute_value: area } }],
              notify_record_type: 'Member',
            },
          },
        ],
      },
      { senderUri: `${receiver.url}/dci/registry/on-subscribe`, gatewayUrl: b.url },
    );
    expect(subscribed.status).toBe(202);
    const onSubscribe = await receiver.waitFor((r) => r.path === '/dci/registry/on-subscribe', 30_000);
    const code: string = onSubscribe.body.message.subscribe_response[0].subscriptions[0].code;

    // The batch: searches to both instances, deaths in the registry that both instances' outbox scanners see.
    const transactions: string[] = [];
    for (let i = 0; i < SEARCHES; i++) {
      const transactionId = `two-txn-${i}`;
      const res = await partner.send(
        '/registry/search',
        'search',
        { transaction_id: transactionId, search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(SEED, i) }, response_entity: 'Member' })] },
        { senderUri: `${receiver.url}/dci/registry/on-search`, gatewayUrl: i % 2 === 0 ? a.url : b.url },
      );
      expect(res.status).toBe(202);
      transactions.push(transactionId);
    }
    const dying = await models.Individual.find({ status: 'active', areaCode: area }).limit(DEATHS).lean();
    expect(dying).toHaveLength(DEATHS);
    for (const person of dying) await recordDeath(models, String(person._id), new Date(), new Date());

    // A dies with work claimed and POSTs in flight.
    await receiver.waitForCount((r) => isCallback(r) || isNotification(code)(r), 1, 30_000);
    a.child.kill('SIGKILL');

    const callbacks = await receiver.waitForCount(isCallback, SEARCHES, TAKEOVER_DEADLINE_MS).then(() => receiver.matching(isCallback));
    await receiver.waitForCount(isNotification(code), DEATHS, TAKEOVER_DEADLINE_MS);
    // Whatever B still retries arrives now.
    await quietPeriod(3000);
    const finalCallbacks = receiver.matching(isCallback);
    const notifications = receiver.matching(isNotification(code));

    // One message per transaction and per death, whoever sent it and however often it was POSTed.
    const callbackMessages = byMessageId(finalCallbacks);
    expect(new Set([...callbackMessages.values()].map((r) => r.body.message.transaction_id))).toEqual(new Set(transactions));
    expect(callbackMessages.size).toBe(SEARCHES);
    const notificationMessages = byMessageId(notifications);
    expect(notificationMessages.size).toBe(DEATHS);
    expect(new Set([...notificationMessages.values()].map((r) => r.body.message.transaction_id)).size).toBe(DEATHS);
    expect(callbacks.length).toBeGreaterThanOrEqual(SEARCHES);

    // Both instances sign with the same keys: the survivor's JWKS verifies what either sent.
    for (const r of [...callbackMessages.values(), ...notificationMessages.values()]) {
      await expect(verifyWithGatewayJwks(b.url, r)).resolves.toMatchObject({ ok: true });
    }
    expect(validatorFor('social', '/registry/on-search', 'request')(finalCallbacks[0].body)).toEqual({ ok: true });
    expect(validatorFor('social', '/registry/notify', 'request')(notifications[0].body)).toEqual({ ok: true });
  });
});
