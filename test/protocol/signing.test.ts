import { createHash, sign as edSign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  KeyRing,
  newHeader,
  OurSigningKey,
  PartnerKeyResolver,
  pythonJsonDumps,
  parseJsonLexical,
  ReceivedMessage,
  SignedMessage,
  signingProfile,
  SigningProfileName,
} from '../../adapters/dci/protocol';
import appendix from './appendix-a.json';

const SPMIS = 'spmis.gov.example';
const CRVS = 'crvs.gov.example';

let dirs: string[] = [];
let spmisKey: OurSigningKey;
let crvsKey: OurSigningKey;
/** The partner registry: each sender's published keys. */
const resolver: PartnerKeyResolver = async (senderId, keyId) =>
  [
    { sender: SPMIS, key: spmisKey },
    { sender: CRVS, key: crvsKey },
  ]
    .filter((k) => k.sender === senderId && (keyId === undefined || k.key.kid === keyId))
    .map((k) => ({ kid: k.key.kid, jwk: k.key.publicJwk }));

async function keyFor(): Promise<OurSigningKey> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-sign-'));
  dirs.push(dir);
  return (await KeyRing.open(dir)).activeKey();
}

beforeAll(async () => {
  spmisKey = await keyFor();
  crvsKey = await keyFor();
});
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

const message = () => ({
  ...structuredClone(appendix.searchAsync.body.message),
  note: 'Nairobi – café ü 😀',
});
const searchFrom = (senderId: string) => ({ header: { ...newHeader({ senderId, receiverId: CRVS, action: 'search', totalCount: 1 }) }, message: message() });

/** What the receiving HTTP server sees for a signed message (Node lower-cases header names). */
const received = (signed: SignedMessage, rawBody = signed.rawBody): ReceivedMessage => ({
  body: JSON.parse(rawBody),
  rawBody: Buffer.from(rawBody, 'utf8'),
  headers: Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v])),
});

const SIGNED_PROFILES: SigningProfileName[] = ['default', 'openspp', 'openg2p-jws', 'opencrvs-jws'];

describe.each(SIGNED_PROFILES)('signing profile %s', (name) => {
  const profile = signingProfile(name);

  it('verifies what it signs, naming the key', async () => {
    const signed = await profile.sign(searchFrom(SPMIS), spmisKey);
    await expect(profile.verify(received(signed), resolver)).resolves.toEqual({ ok: true, kid: spmisKey.kid });
  });

  it('refuses a tampered message', async () => {
    const signed = await profile.sign(searchFrom(SPMIS), spmisKey);
    const tampered = signed.rawBody.replace('BRN-77-000451', 'BRN-77-000452');
    expect(tampered).not.toBe(signed.rawBody);
    await expect(profile.verify(received(signed, tampered), resolver)).resolves.toEqual({ ok: false, reason: 'err.signature.invalid' });
  });

  it("refuses a message signed with another sender's key", async () => {
    const impostor = await profile.sign(searchFrom(SPMIS), crvsKey);
    await expect(profile.verify(received(impostor), resolver)).resolves.toEqual({ ok: false, reason: 'err.signature.invalid' });
  });

  it('reports a missing signature', async () => {
    const signed = await profile.sign(searchFrom(SPMIS), spmisKey);
    const { signature: _signature, ...unsigned } = signed.body;
    const stripped = { ...signed, body: unsigned, rawBody: JSON.stringify(unsigned), headers: {} };
    await expect(profile.verify(received(stripped), resolver)).resolves.toEqual({ ok: false, reason: 'err.signature.missing' });
  });
});

describe.each(['default', 'openspp'] as const)('parameter-string profile %s', (name) => {
  const t0 = Date.parse('2026-03-02T09:15:30Z');

  it('writes the spec parameter string with kidId sender|key|ed25519 and Unix-second times', async () => {
    const signed = await signingProfile(name, { now: () => t0 }).sign(searchFrom(SPMIS), spmisKey);
    const created = t0 / 1000;
    expect(signed.body.signature).toMatch(
      new RegExp(
        `namespace="dci", kidId="${SPMIS}\\|${spmisKey.kid}\\|ed25519", algorithm="ed25519", created="${created}", ` +
          `expires="${created + 300}", headers="\\(created\\) \\(expires\\) digest", signature="[A-Za-z0-9+/=]{88}"$`,
      ),
    );
  });

  it('refuses an expired signature and one created too far in the future', async () => {
    const signed = await signingProfile(name, { now: () => t0 }).sign(searchFrom(SPMIS), spmisKey);
    const later = signingProfile(name, { now: () => t0 + 301_000 });
    await expect(later.verify(received(signed), resolver)).resolves.toEqual({ ok: false, reason: 'err.signature.invalid' });
    const earlier = signingProfile(name, { now: () => t0 - 61_000 });
    await expect(earlier.verify(received(signed), resolver)).resolves.toEqual({ ok: false, reason: 'err.signature.invalid' });
    const inTime = signingProfile(name, { now: () => t0 + 299_000 });
    await expect(inTime.verify(received(signed), resolver)).resolves.toEqual({ ok: true, kid: spmisKey.kid });
  });

  it('refuses a kidId naming another sender than header.sender_id', async () => {
    const signed = await signingProfile(name).sign(searchFrom(CRVS), crvsKey);
    const body = signed.body as { header: { sender_id: string } };
    body.header.sender_id = SPMIS;
    await expect(signingProfile(name).verify(received(signed, JSON.stringify(body)), resolver)).resolves.toEqual({ ok: false, reason: 'err.signature.invalid' });
  });
});

describe('default profile digest', () => {
  it('is base64 SHA-256 of the JCS form of {header, message} as received, whatever the key order', async () => {
    const signed = await signingProfile('default').sign(searchFrom(SPMIS), spmisKey);
    const reordered = JSON.stringify({ message: signed.body.message, signature: signed.body.signature, header: signed.body.header });
    await expect(signingProfile('default').verify(received(signed, reordered), resolver)).resolves.toEqual({ ok: true, kid: spmisKey.kid });
  });
});

describe('openspp profile', () => {
  it('sends the Pydantic form of the header OpenSPP re-serialises before verifying', async () => {
    const original = searchFrom(SPMIS);
    const signed = await signingProfile('openspp').sign(original, spmisKey);
    expect(signed.body.header).toEqual({
      version: '1.0.0',
      message_id: original.header.message_id,
      message_ts: `${original.header.message_ts.slice(0, 19)}Z`,
      action: 'search',
      sender_id: SPMIS,
      receiver_id: CRVS,
      sender_uri: null,
      total_count: 1,
      is_msg_encrypted: false,
      meta: {},
    });
    expect(signed.body.signature).not.toMatch(/^Signature:/);
  });

  it('verifies a Python-signed body over its own number and escape forms (1.0 stays 1.0)', async () => {
    // As OpenSPP's signer does: digest of json.dumps({"header", "message"}, sort_keys=True, separators=(",",":")).
    const created = Math.floor(Date.now() / 1000);
    const rawBody =
      `{"header":{"message_id":"m-1","message_ts":"2026-03-02T09:15:30Z","action":"on-search","status":"succ","sender_id":"${SPMIS}","total_count":1},` +
      '"message":{"transaction_id":"T-1","correlation_id":"C-1","search_response":[{"reference_id":"R","timestamp":"2026-03-02T09:15:30Z","status":"succ",' +
      '"data":{"reg_records":[{"poverty_score":1.0,"name":"Müller"}]}}]},"signature":"SIG"}';
    const lexical = parseJsonLexical(rawBody) as Map<string, unknown>;
    const digestText = pythonJsonDumps(new Map([['header', lexical.get('header')], ['message', lexical.get('message')]]), { sortKeys: true });
    expect(digestText).toContain('"poverty_score":1.0');
    expect(digestText).toContain('"M\\u00fcller"');
    const digest = createHash('sha256').update(digestText).digest('base64');
    const signature = edSign(null, Buffer.from(`(created): ${created}\n(expires): ${created + 300}\ndigest: ${digest}`), spmisKey.privateKey).toString('base64');
    const params = `namespace="dci", kidId="${SPMIS}|${spmisKey.kid}|ed25519", algorithm="ed25519", created="${created}", expires="${created + 300}", headers="(created) (expires) digest", signature="${signature}"`;
    const body = rawBody.replace('"SIG"', JSON.stringify(params));
    await expect(signingProfile('openspp').verify({ body: JSON.parse(body), rawBody: body, headers: {} }, resolver)).resolves.toEqual({ ok: true, kid: spmisKey.kid });
    await expect(signingProfile('default').verify({ body: JSON.parse(body), rawBody: body, headers: {} }, resolver)).resolves.toMatchObject({ ok: false });
  });
});

describe('JWS profiles', () => {
  it('openg2p-jws sends the body compact with keys sorted at every level, and a detached RS256 JWS in the Signature header', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-sign-'));
    dirs.push(dir);
    const profile = signingProfile('openg2p-jws');
    const signed = await profile.sign(searchFrom(SPMIS), (await KeyRing.open(dir)).activeKey(profile.keyAlgorithm));
    expect(profile.keyAlgorithm).toBe('RS256');
    expect(signed.rawBody).toMatch(/^\{"header":\{"action":"search","is_msg_encrypted":false,"message_id":/);
    expect(signed.rawBody).toContain('"search_criteria":{"authorize":{"@context":');
    expect(signed.rawBody).toContain('"note":"Nairobi – café ü 😀"');
    expect(JSON.parse(signed.rawBody)).toEqual(signed.body);
    expect(signed.headers.Signature).toMatch(/^[\w-]+\.\.[\w-]+$/);
    expect(JSON.parse(Buffer.from(signed.headers.Signature.split('.')[0], 'base64url').toString())).toMatchObject({ alg: 'RS256' });
    expect(signed.body).not.toHaveProperty('signature');
  });

  it('opencrvs-jws puts an attached compact JWS in the body', async () => {
    const signed = await signingProfile('opencrvs-jws').sign(searchFrom(SPMIS), spmisKey);
    expect(signed.body.signature).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(signed.headers).toEqual({});
  });
});

describe('none profile', () => {
  it('sends no signature and accepts anything (only for partners configured so)', async () => {
    const profile = signingProfile('none');
    const signed = await profile.sign(searchFrom(SPMIS), spmisKey);
    expect(signed.body).not.toHaveProperty('signature');
    await expect(profile.verify(received(signed), resolver)).resolves.toEqual({ ok: true, kid: null });
  });
});
