/**
 * Encrypted DCI messages end to end over HTTP, with real keys: partners encrypt to the keys the
 * gateway publishes (use enc) and decrypt what it sends them with their own private keys, using jose
 * directly as a partner's code would, not the gateway's encryption module.
 */
import { createPublicKey, generateKeyPairSync, JsonWebKey, KeyObject, randomUUID } from 'node:crypto';
import { FlattenedEncrypt, flattenedDecrypt, type FlattenedJWE } from 'jose';
import { seedRegistry, demoUin } from '../../src/registry/seed';
import { validatorFor } from '../../adapters/dci/protocol';
import { DciClient } from '../../adapters/dci/client/client';
import type { DataSourceConfig } from '../../adapters/dci/client/dataSource';
import { createPartner, updatePartner } from '../../src/partners/service';
import { createLogger } from '../../src/log';
import { startTestGateway, TestGateway } from '../support/gateway';
import { registerPartner, searchItem, TestPartner } from '../support/dciPartner';
import { Receiver, startReceiver, verifyWithGatewayJwks } from '../support/receiver';

jest.setTimeout(60_000);

const SEED = 11;

interface PartnerEncryptionKey {
  privateKey: KeyObject;
  publicJwk: JsonWebKey & { kid: string };
}

function encryptionKeyPair(type: 'x25519' | 'rsa', kid: string): PartnerEncryptionKey {
  const { privateKey, publicKey } = type === 'x25519' ? generateKeyPairSync('x25519') : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'enc' } };
}

type GatewayJwk = JsonWebKey & { kid: string; use: string; alg: string };

describe('encrypted DCI messages (end to end)', () => {
  let t: TestGateway;
  let receiver: Receiver;
  let gatewayKeys: GatewayJwk[];
  /** Policy required, X25519 key. */
  let strict: TestPartner;
  const strictKey = encryptionKeyPair('x25519', 'strict-enc-1');
  /** Policy accepted, RSA key. */
  let relaxed: TestPartner;
  const relaxedKey = encryptionKeyPair('rsa', 'relaxed-enc-1');
  /** No encryption (the default policy, never). */
  let plain: TestPartner;

  beforeAll(async () => {
    t = await startTestGateway();
    receiver = await startReceiver();
    await seedRegistry(t.gateway.models, { individuals: 60, seed: SEED });
    const callbackBase = `${receiver.url}/dci`;
    strict = await registerPartner(t.gateway, { senderId: 'strict.mis.example.org', callbackBase, pii: true, encryptionKey: strictKey.publicJwk, encryptionPolicy: 'required' });
    relaxed = await registerPartner(t.gateway, { senderId: 'relaxed.mis.example.org', callbackBase, pii: true, encryptionKey: relaxedKey.publicJwk, encryptionPolicy: 'accepted' });
    plain = await registerPartner(t.gateway, { senderId: 'plain.mis.example.org', callbackBase, pii: true });
    gatewayKeys = ((await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) as { keys: GatewayJwk[] }).keys;
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.stop();
  });

  const gatewayEncryptionKey = (alg: 'ECDH-ES+A256KW' | 'RSA-OAEP-256') => {
    const jwk = gatewayKeys.find((k) => k.use === 'enc' && k.alg === alg);
    if (!jwk) throw new Error(`the gateway publishes no ${alg} encryption key`);
    return jwk;
  };

  /** What a partner does: the message as JSON, a JWE to the gateway's published key, in the spec's EncryptedMessage shape. */
  const encryptTo = async (jwk: GatewayJwk, message: unknown) =>
    (await new FlattenedEncrypt(Buffer.from(JSON.stringify(message)))
      .setUnprotectedHeader({ alg: jwk.alg, enc: 'A256GCM', kid: jwk.kid })
      .encrypt(createPublicKey({ key: jwk, format: 'jwk' }))) as unknown as Record<string, unknown>;
  const decryptWith = async (key: PartnerEncryptionKey, message: unknown) =>
    JSON.parse(Buffer.from((await flattenedDecrypt(message as FlattenedJWE, key.privateKey)).plaintext).toString('utf8'));

  const searchFor = (transactionId: string, uin: string) => ({
    transaction_id: transactionId,
    search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: uin }, response_entity: 'Member' }, `ref-${transactionId}`)],
  });
  const uinsOf = (item: any): string[] => item.data.reg_records.flatMap((r: any) => r.demographic_info.identifier.map((i: { identifier_value: string }) => i.identifier_value));
  const encrypted = { header: { is_msg_encrypted: true, total_count: 1 } };

  it('publishes encryption keys beside the signing keys, each with use enc and its own kid', () => {
    const enc = gatewayKeys.filter((k) => k.use === 'enc');
    expect(enc.map((k) => k.alg).sort()).toEqual(['ECDH-ES+A256KW', 'RSA-OAEP-256']);
    expect(gatewayEncryptionKey('ECDH-ES+A256KW')).toMatchObject({ kty: 'OKP', crv: 'X25519' });
    const sig = new Set(gatewayKeys.filter((k) => k.use === 'sig').map((k) => k.kid));
    for (const key of enc) expect(sig.has(key.kid)).toBe(false);
    for (const key of gatewayKeys) expect(key).not.toHaveProperty('d');
  });

  it('takes an encrypted async search and delivers its callback encrypted to the partner, signed over the encrypted form', async () => {
    const uin = demoUin(SEED, 4);
    const message = await encryptTo(gatewayEncryptionKey('ECDH-ES+A256KW'), searchFor('txn-enc-async', uin));
    const res = await strict.send('/registry/search', 'search', message, { ...encrypted, senderUri: `${receiver.url}/dci/registry/on-search` });
    expect(res.status).toBe(202);
    expect(res.body.message.ack_status).toBe('ACK');

    const cb = await receiver.waitFor((r) => r.path === '/dci/registry/on-search' && r.body?.header?.receiver_id === strict.senderId);
    expect(cb.body.header).toMatchObject({ action: 'on-search', status: 'succ', is_msg_encrypted: true });
    expect(validatorFor('social', '/registry/on-search', 'request')(cb.body)).toEqual({ ok: true });
    expect(cb.body.message.header).toEqual({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: strictKey.publicJwk.kid });
    expect(cb.raw).not.toContain(uin);
    await expect(verifyWithGatewayJwks(t.url, cb)).resolves.toMatchObject({ ok: true });

    const answer = await decryptWith(strictKey, cb.body.message);
    expect(answer.transaction_id).toBe('txn-enc-async');
    expect(answer.search_response[0]).toMatchObject({ reference_id: 'ref-txn-enc-async', status: 'succ' });
    expect(uinsOf(answer.search_response[0])).toContain(uin);
  });

  it('answers an encrypted sync search with an encrypted reply', async () => {
    const uin = demoUin(SEED, 6);
    const message = await encryptTo(gatewayEncryptionKey('ECDH-ES+A256KW'), searchFor('txn-enc-sync', uin));
    const res = await strict.send('/registry/sync/search', 'search', message, encrypted);
    expect(res.status).toBe(200);
    expect(validatorFor('social', '/registry/sync/search', 'response')(res.body)).toEqual({ ok: true });
    expect(res.body.header).toMatchObject({ status: 'succ', is_msg_encrypted: true });
    await expect(verifyWithGatewayJwks(t.url, { body: res.body, raw: res.raw, headers: {} })).resolves.toMatchObject({ ok: true });
    const answer = await decryptWith(strictKey, res.body.message);
    expect(uinsOf(answer.search_response[0])).toContain(uin);
  });

  it('encrypts the subscription confirmation and the notifications of an encrypted subscription', async () => {
    const writeToken = await t.token(['registry:write', 'registry:read', 'registry:pii']);
    const people = await t.gql(`{ individuals(filter: { status: active }, first: 20) { edges { node { id addresses { areaCode } } } } }`, {}, writeToken);
    expect(people.body.errors).toBeUndefined();
    const nodes = people.body.data.individuals.edges.map((e: { node: { id: string; addresses: { areaCode?: string }[] } }) => e.node);
    const person = nodes.find((n: { addresses: { areaCode?: string }[] }) => n.addresses[0]?.areaCode) as { id: string; addresses: { areaCode: string }[] };
    const subscribe = {
      transaction_id: 'txn-enc-sub',
      subscribe_request: [
        {
          reference_id: 'ref-enc-sub',
          timestamp: new Date().toISOString(),
          subscribe_criteria: {
            reg_event_type: 'Death',
            filter_type: 'predicate',
            filter: [{ seq_num: 1, expression1: { attribute_name: 'location', operator: 'eq', attribute_value: person.addresses[0].areaCode } }],
            notify_record_type: 'Member',
          },
        },
      ],
    };
    const message = await encryptTo(gatewayEncryptionKey('ECDH-ES+A256KW'), subscribe);
    const res = await strict.send('/registry/subscribe', 'subscribe', message, { ...encrypted, senderUri: `${receiver.url}/dci/registry/on-subscribe` });
    expect(res.status).toBe(202);
    const confirmation = await receiver.waitFor((r) => r.path === '/dci/registry/on-subscribe' && r.body?.header?.receiver_id === strict.senderId);
    expect(confirmation.body.header.is_msg_encrypted).toBe(true);
    const code = (await decryptWith(strictKey, confirmation.body.message)).subscribe_response[0].subscriptions[0].code as string;

    await t.gql(`mutation($id: ID!, $d: Date!) { recordDeath(id: $id, deathDate: $d) { id } }`, { id: person.id, d: new Date().toISOString().slice(0, 10) }, writeToken);
    const notify = await receiver.waitFor((r) => r.path === '/dci/registry/notify' && r.body?.header?.receiver_id === strict.senderId, 20_000);
    expect(notify.body.header).toMatchObject({ action: 'notify', is_msg_encrypted: true });
    expect(validatorFor('social', '/registry/notify', 'request')(notify.body)).toEqual({ ok: true });
    await expect(verifyWithGatewayJwks(t.url, notify)).resolves.toMatchObject({ ok: true });
    const event = (await decryptWith(strictKey, notify.body.message)).notify_event[0];
    expect(event.reference_id).toBe(code);
  });

  it('refuses a message that cannot be decrypted with err.encryption.invalid, and keeps nothing of it', async () => {
    const ours = gatewayEncryptionKey('ECDH-ES+A256KW');
    // Encrypted to a key that is not ours, under our kid: well-formed and signed, but undecryptable.
    const stranger = encryptionKeyPair('x25519', ours.kid);
    const undecryptable = await encryptTo({ ...stranger.publicJwk, alg: ours.alg, use: 'enc' } as GatewayJwk, searchFor('txn-enc-bad', demoUin(SEED, 2)));
    const messageId = randomUUID();
    const refused = await strict.send('/registry/sync/search', 'search', undecryptable, { header: { ...encrypted.header, message_id: messageId } });
    expect(refused.status).toBe(400);
    expect(refused.body.message.error.code).toBe('err.encryption.invalid');
    expect(refused.raw).not.toMatch(/stack|jose|JWE/);

    const unknownKid = await encryptTo({ ...ours, kid: 'no-such-key' }, searchFor('txn-enc-kid', demoUin(SEED, 2)));
    const noKey = await strict.send('/registry/sync/search', 'search', unknownKid, encrypted);
    expect(noKey.status).toBe(400);
    expect(noKey.body.message.error.code).toBe('err.encryption.invalid');

    // The refused message id was not used up: the same id, decryptable, is answered.
    const good = await encryptTo(ours, searchFor('txn-enc-bad', demoUin(SEED, 2)));
    const answered = await strict.send('/registry/sync/search', 'search', good, { header: { ...encrypted.header, message_id: messageId } });
    expect(answered.status).toBe(200);
    expect(answered.body.header.status).toBe('succ');
  });

  it('checks the signature before decrypting: a changed ciphertext is a bad signature', async () => {
    const message = await encryptTo(gatewayEncryptionKey('ECDH-ES+A256KW'), searchFor('txn-enc-tamper', demoUin(SEED, 3)));
    const res = await strict.send('/registry/sync/search', 'search', message, {
      ...encrypted,
      mutate: (body) => {
        const m = body.message as { ciphertext: string };
        m.ciphertext = `${m.ciphertext.slice(0, -4)}AAAA`;
      },
    });
    expect(res.status).toBe(401);
    expect(res.body.message.error.code).toBe('err.signature.invalid');
  });

  it('validates the decrypted message like any other', async () => {
    const message = await encryptTo(gatewayEncryptionKey('ECDH-ES+A256KW'), { transaction_id: 'txn-enc-invalid', search_request: 'not a list' });
    const res = await strict.send('/registry/sync/search', 'search', message, encrypted);
    expect(res.status).toBe(400);
    expect(res.body.message.error.code).toBe('err.request.bad');
  });

  it('refuses plaintext from a partner whose policy requires encryption', async () => {
    const res = await strict.send('/registry/sync/search', 'search', searchFor('txn-plain-strict', demoUin(SEED, 4)));
    expect(res.status).toBe(400);
    expect(res.body.message.error.code).toBe('err.encryption.invalid');
  });

  it('refuses a header and message that disagree on encryption', async () => {
    const message = await encryptTo(gatewayEncryptionKey('ECDH-ES+A256KW'), searchFor('txn-enc-flag', demoUin(SEED, 4)));
    const res = await strict.send('/registry/sync/search', 'search', message);
    expect(res.status).toBe(400);
    expect(res.body.message.error.code).toBe('err.encryption.invalid');
  });

  it('under the accepted policy takes plaintext and RSA-OAEP-256 messages, and encrypts its replies to the RSA key', async () => {
    const uin = demoUin(SEED, 8);
    const fromPlain = await relaxed.send('/registry/sync/search', 'search', searchFor('txn-relaxed-plain', uin));
    expect(fromPlain.status).toBe(200);
    expect(fromPlain.body.header.is_msg_encrypted).toBe(true);
    expect(fromPlain.body.message.header).toEqual({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: relaxedKey.publicJwk.kid });
    expect(uinsOf((await decryptWith(relaxedKey, fromPlain.body.message)).search_response[0])).toContain(uin);

    const message = await encryptTo(gatewayEncryptionKey('RSA-OAEP-256'), searchFor('txn-relaxed-enc', uin));
    const fromEncrypted = await relaxed.send('/registry/sync/search', 'search', message, encrypted);
    expect(fromEncrypted.status).toBe(200);
    expect(uinsOf((await decryptWith(relaxedKey, fromEncrypted.body.message)).search_response[0])).toContain(uin);
  });

  it('under the default policy refuses encrypted messages and answers plaintext in clear', async () => {
    const message = await encryptTo(gatewayEncryptionKey('ECDH-ES+A256KW'), searchFor('txn-never-enc', demoUin(SEED, 4)));
    const refused = await plain.send('/registry/sync/search', 'search', message, encrypted);
    expect(refused.status).toBe(400);
    expect(refused.body.message.error.code).toBe('err.encryption.invalid');

    const res = await plain.send('/registry/sync/search', 'search', searchFor('txn-never-plain', demoUin(SEED, 4)));
    expect(res.status).toBe(200);
    expect(res.body.header.is_msg_encrypted).toBe(false);
    expect(res.body.message.search_response[0].status).toBe('succ');
  });

  describe('an outbound data source', () => {
    // The registry called here is this gateway's own Social Registry API, reached over HTTP as any
    // partner registry is: it knows us as a partner whose key is our own published encryption key.
    const LOOP = 'loop.mis.example.org';
    let source: DataSourceConfig;

    beforeAll(async () => {
      const ours = gatewayEncryptionKey('ECDH-ES+A256KW');
      const signing = gatewayKeys.filter((k) => k.use === 'sig' && k.alg === 'EdDSA');
      const { clientId, clientSecret } = await createPartner(
        t.gateway.models,
        { senderId: LOOP, publicKeys: signing, callbackBase: `${t.url}/dci`, pii: true, encryptionKey: ours, encryptionPolicy: 'required' },
        new Date(),
      );
      source = {
        name: 'loop',
        kind: 'social',
        baseUrl: `${t.url}/dci`,
        auth: { type: 'oauth2', tokenUrl: `${t.url}/oauth2/client/token`, clientId, clientSecret, credentialLocation: 'body' },
        senderId: LOOP,
        callbackBase: `${t.url}/dci`,
        receiverId: 'dci-gateway',
        publicKeys: [],
        jwksUrl: `${t.url}/.well-known/jwks.json`,
        signingProfile: 'default',
        encryption: { policy: 'required', encryptTo: { kid: ours.kid, jwk: ours } },
        timeoutMs: 5000,
        rateLimitPerMinute: 600,
        maxItemsPerEnvelope: 50,
        breakerCoolDownMs: 30_000,
        quirks: {},
      };
    });

    const client = (overrides: Partial<DataSourceConfig> = {}) =>
      new DciClient({ ...source, ...overrides }, { signer: t.gateway.dci.keys, hub: t.gateway.dci.hub, log: createLogger('silent'), retry: { maxAttempts: 1, backoff: { baseMs: 10, maxMs: 10, jitter: false }, maxRetryAfterMs: 0 } });
    const byUin = (uin: string) => ({ search_criteria: { query_type: 'idtype-value' as const, query: { type: 'UIN', value: uin }, response_entity: 'Member' as const } });

    it('encrypts its search to the registry key and decrypts the encrypted reply with ours', async () => {
      const uin = demoUin(SEED, 9);
      const [item] = await client().search([byUin(uin)]);
      expect(item.status).toBe('succ');
      expect(uinsOf(item)).toContain(uin);
    });

    it('refuses a reply in clear when its policy requires encryption', async () => {
      // The registry now takes encrypted messages but answers in clear (accepted, no key of ours registered).
      await updatePartner(t.gateway.models, LOOP, { encryptionPolicy: 'accepted', encryptionKey: null }, new Date());
      try {
        await expect(client().search([byUin(demoUin(SEED, 9))])).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'BAD_ENCRYPTION' } });
        // Under accepted, the same reply is taken.
        const [item] = await client({ encryption: { policy: 'accepted', encryptTo: source.encryption!.encryptTo } }).search([byUin(demoUin(SEED, 9))]);
        expect(item.status).toBe('succ');
      } finally {
        await updatePartner(t.gateway.models, LOOP, { encryptionPolicy: 'required', encryptionKey: gatewayEncryptionKey('ECDH-ES+A256KW') }, new Date());
      }
    });
  });

  describe('partner administration', () => {
    const create = `mutation($input: CreatePartnerInput!) { createPartner(input: $input) { partner { senderId encryptionPolicy encryptionKey { kid kty crv use } } } }`;
    const input = (senderId: string, extra: Record<string, unknown>) => ({
      senderId,
      callbackBase: 'https://partner.example.org/dci',
      publicKeys: [strict.key.publicJwk],
      ...extra,
    });

    it('registers an encryption key and policy through GraphQL', async () => {
      const admin = await t.token(['partners:admin']);
      const res = await t.gql(create, { input: input('gql-enc.example.org', { encryptionKey: strictKey.publicJwk, encryptionPolicy: 'required' }) }, admin);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.createPartner.partner).toEqual({
        senderId: 'gql-enc.example.org',
        encryptionPolicy: 'required',
        encryptionKey: { kid: 'strict-enc-1', kty: 'OKP', crv: 'X25519', use: 'enc' },
      });
      const updated = await t.gql(`mutation { updatePartner(senderId: "gql-enc.example.org", input: { encryptionPolicy: accepted, encryptionKey: null }) { encryptionPolicy encryptionKey { kid } } }`, {}, admin);
      expect(updated.body.data.updatePartner).toEqual({ encryptionPolicy: 'accepted', encryptionKey: null });
    });

    it('registers a data source encryption key and policy through GraphQL; required without a key is refused', async () => {
      const admin = await t.token(['partners:admin']);
      const createSource = `mutation($input: CreateDataSourceInput!) { createDataSource(input: $input) { name encryptionPolicy encryptionKey { kid crv use } } }`;
      const source = (name: string, extra: Record<string, unknown>) => ({
        name,
        kind: 'crvs',
        baseUrl: 'https://crvs.example.org/dci',
        callbackBase: `${t.url}/dci`,
        receiverId: 'crvs.example.org',
        jwksUrl: 'https://crvs.example.org/.well-known/jwks.json',
        ...extra,
      });
      const created = await t.gql(createSource, { input: source('crvs-enc', { encryptionKey: strictKey.publicJwk, encryptionPolicy: 'required' }) }, admin);
      expect(created.body.errors).toBeUndefined();
      expect(created.body.data.createDataSource).toEqual({ name: 'crvs-enc', encryptionPolicy: 'required', encryptionKey: { kid: 'strict-enc-1', crv: 'X25519', use: 'enc' } });
      const plain = await t.gql(createSource, { input: source('crvs-plain', {}) }, admin);
      expect(plain.body.data.createDataSource).toMatchObject({ encryptionPolicy: 'never', encryptionKey: null });
      const noKey = await t.gql(createSource, { input: source('crvs-nokey', { encryptionPolicy: 'required' }) }, admin);
      expect(noKey.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'encryptionKey' });
    });

    it('refuses the required policy without a key, and a key that is not for encryption', async () => {
      const admin = await t.token(['partners:admin']);
      const noKey = await t.gql(create, { input: input('gql-nokey.example.org', { encryptionPolicy: 'required' }) }, admin);
      expect(noKey.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'encryptionKey' });
      const signingKey = await t.gql(create, { input: input('gql-sigkey.example.org', { encryptionKey: strict.key.publicJwk }) }, admin);
      expect(signingKey.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'encryptionKey.use' });
      const partners = await t.gql(`{ partners { senderId } }`, {}, admin);
      const senderIds = partners.body.data.partners.map((p: { senderId: string }) => p.senderId);
      expect(senderIds).not.toContain('gql-nokey.example.org');
      expect(senderIds).not.toContain('gql-sigkey.example.org');
    });
  });
});
