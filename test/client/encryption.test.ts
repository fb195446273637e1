/**
 * Encrypted messages with the partner sandbox, over HTTP with real keys: the client encrypts its
 * searches to the sandbox CRVS's published encryption key, the sandbox answers encrypted to the
 * gateway's, and the gateway takes the encrypted callback on its receiver under the CRVS partner's policy.
 */
import { generateKeyPairSync, JsonWebKey } from 'node:crypto';
import { byBrn, startWorld, World } from './world';
import { GatewayError } from '../../src/errors';
import { updatePartner } from '../../src/partners/service';
import type { DataSourceConfig } from '../../adapters/dci/client/dataSource';

describe('DCI client encryption (sandbox)', () => {
  let w: World;
  let crvsKey: JsonWebKey & { kid: string };
  const brn = (i: number) => w.sandbox.data.births[i].brn;
  const encrypted = (jwk = crvsKey): Partial<DataSourceConfig> => ({ encryption: { policy: 'required', encryptTo: { kid: jwk.kid, jwk } } });
  const failure = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a failure'); }, (error: unknown) => error as GatewayError);
  const onSearchDeliveries = () => w.sandbox.deliveries('crvs').filter((d) => d.action === 'on-search');

  beforeAll(async () => {
    w = await startWorld();
    const jwks = (await (await fetch(w.sandbox.registries.crvs.jwksUrl)).json()) as { keys: (JsonWebKey & { kid: string; use: string })[] };
    crvsKey = jwks.keys.find((k) => k.use === 'enc')!;
    // The sandbox CRVS calls back encrypted, or not at all: plaintext from it is refused.
    await updatePartner(w.t.gateway.models, w.sandbox.registries.crvs.senderId, { encryptionPolicy: 'required', encryptionKey: crvsKey }, new Date());
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('sends an encrypted sync search and takes the encrypted reply', async () => {
    expect(crvsKey).toMatchObject({ kty: 'OKP', crv: 'X25519', alg: 'ECDH-ES+A256KW' });
    const [answer] = await w.client(encrypted()).search([byBrn(brn(0), 'REF-ENC')]);
    expect(answer).toMatchObject({ reference_id: 'REF-ENC', status: 'succ' });
    expect(JSON.stringify(answer.data!.reg_records)).toContain(brn(0));
  });

  it('sends an encrypted async search, and the gateway takes its encrypted callback', async () => {
    const [answer] = await w.client(encrypted()).searchAsync([byBrn(brn(1), 'REF-ENC-ASYNC')], { timeoutMs: 10_000 });
    expect(answer).toMatchObject({ reference_id: 'REF-ENC-ASYNC', status: 'succ' });
    expect(JSON.stringify(answer.data!.reg_records)).toContain(brn(1));
    // The sandbox records the gateway's answer once it has it, which may be after the client resolved.
    for (let i = 0; i < 50 && onSearchDeliveries().at(-1)?.status === undefined; i++) await new Promise((r) => setTimeout(r, 20));
    expect(onSearchDeliveries().at(-1)?.status).toBe(200);
  });

  it('refuses a plaintext callback from a partner whose policy requires encryption', async () => {
    const error = await failure(w.client().searchAsync([byBrn(brn(2))], { timeoutMs: 2000 }));
    expect(error).toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'CALLBACK_TIMEOUT' } });
    expect(onSearchDeliveries().at(-1)?.status).toBe(400);
  });

  it('gets err.encryption.invalid from the sandbox for a search it cannot decrypt', async () => {
    // Encrypted to another key under the sandbox key's kid.
    const stranger = { ...generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }), kid: crvsKey.kid };
    const error = await failure(w.client(encrypted(stranger)).search([byBrn(brn(0))]));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.details).toMatchObject({ partnerCode: 'err.encryption.invalid' });
  });
});
