/** Partner administration over GraphQL, against the real gateway. */
import { codes, ok, onlyError, READ, useTestGateway } from '../support/gateway';
import { ed25519Jwk } from './fixtures';
import { FULL_DISCLOSURE, MASKED_DISCLOSURE } from '../../adapters/dci/server/disclosure';

const PARTNER_FIELDS = `id senderId displayName status publicKeys { kid kty crv x } jwksUrl signingProfile callbackBase clientId
  scopes queryAttributes rateLimitPerMinute createdAt updatedAt
  disclosure { names birthDate sex address phone email identifiers identifierTypes { type level } groupMembers groupHead }`;
const CREATE = `mutation ($input: CreatePartnerInput!) { createPartner(input: $input) { partner { ${PARTNER_FIELDS} } clientId clientSecret } }`;
const UPDATE = `mutation ($senderId: String!, $input: UpdatePartnerInput!) { updatePartner(senderId: $senderId, input: $input) { ${PARTNER_FIELDS} } }`;
const DISABLE = `mutation ($senderId: String!) { disablePartner(senderId: $senderId) { senderId status } }`;
const ROTATE = `mutation ($senderId: String!) { rotatePartnerSecret(senderId: $senderId) { clientId clientSecret } }`;
const LIST = `{ partners { senderId status signingProfile } }`;
const ONE = `query ($senderId: String!) { partner(senderId: $senderId) { ${PARTNER_FIELDS} } }`;

describe('partners over GraphQL', () => {
  const t = useTestGateway();
  let admin: string;

  beforeAll(async () => {
    admin = await t.token(['partners:admin']);
  });

  it('creates a partner, returning the credentials once and never the hash', async () => {
    const key = ed25519Jwk('k1');
    const input = {
      senderId: 'opencrvs.example',
      displayName: 'Civil registry',
      publicKeys: [{ kid: key.kid, kty: key.kty, crv: key.crv, x: key.x }],
      signingProfile: 'opencrvs_jws',
      callbackBase: 'https://crvs.example.org/dci',
      scopes: ['dci:search', 'dci:callback'],
      pii: true,
    };
    const created = ok(await t.gql(CREATE, { input }, admin)).createPartner;
    expect(created.clientSecret).toEqual(expect.any(String));
    expect(created.partner).toMatchObject({
      senderId: 'opencrvs.example',
      displayName: 'Civil registry',
      status: 'active',
      publicKeys: [{ kid: 'k1', kty: 'OKP', crv: 'Ed25519', x: key.x }],
      jwksUrl: null,
      signingProfile: 'opencrvs_jws',
      clientId: created.clientId,
      scopes: ['dci:search', 'dci:callback'],
      disclosure: { ...FULL_DISCLOSURE },
      rateLimitPerMinute: 600,
    });
    const stored = await t.gateway.models.Partner.findOne({ senderId: 'opencrvs.example' }).lean();
    expect(stored).toMatchObject({ signingProfile: 'opencrvs-jws' });

    const read = ok(await t.gql(ONE, { senderId: 'opencrvs.example' }, admin)).partner;
    expect(read).toEqual(created.partner);
    expect(JSON.stringify(read)).not.toContain(created.clientSecret);
    expect(ok(await t.gql(ONE, { senderId: 'nobody' }, admin)).partner).toBeNull();
  });

  it('refuses a duplicate sender id with CONFLICT (DUPLICATE_PARTNER) and bad input with BAD_USER_INPUT naming the field', async () => {
    const input = { senderId: 'opencrvs.example', jwksUrl: 'https://crvs.example.org/jwks.json', callbackBase: 'https://crvs.example.org' };
    expect(onlyError(await t.gql(CREATE, { input }, admin)).extensions).toMatchObject({ code: 'CONFLICT', reason: 'DUPLICATE_PARTNER' });
    const bad = await t.gql(CREATE, { input: { ...input, senderId: 'new.example', callbackBase: 'ftp://crvs.example.org' } }, admin);
    expect(onlyError(bad).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'callbackBase' });
  });

  it('updates, disables, lists and rotates', async () => {
    const updated = ok(await t.gql(UPDATE, { senderId: 'opencrvs.example', input: { signingProfile: 'default', rateLimitPerMinute: 60 } }, admin)).updatePartner;
    expect(updated).toMatchObject({ signingProfile: 'default', rateLimitPerMinute: 60 });
    expect(ok(await t.gql(DISABLE, { senderId: 'opencrvs.example' }, admin)).disablePartner).toEqual({ senderId: 'opencrvs.example', status: 'disabled' });
    expect(ok(await t.gql(LIST, {}, admin)).partners).toEqual([{ senderId: 'opencrvs.example', status: 'disabled', signingProfile: 'default' }]);
    const rotated = ok(await t.gql(ROTATE, { senderId: 'opencrvs.example' }, admin)).rotatePartnerSecret;
    expect(rotated).toEqual({ clientId: updated.clientId, clientSecret: expect.any(String) });
    expect(onlyError(await t.gql(DISABLE, { senderId: 'nobody' }, admin)).extensions).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('changes the disclosure field by field, identifiers by type, and refuses a level it does not know', async () => {
    const input = { disclosure: { names: 'omitted', identifiers: 'masked', identifierTypes: [{ type: 'UIN', level: 'given' }], groupMembers: 'omitted' } };
    const updated = ok(await t.gql(UPDATE, { senderId: 'opencrvs.example', input }, admin)).updatePartner;
    expect(updated.disclosure).toEqual({ ...FULL_DISCLOSURE, ...input.disclosure });
    const masked = ok(await t.gql(UPDATE, { senderId: 'opencrvs.example', input: { pii: false, disclosure: { sex: 'omitted' } } }, admin)).updatePartner;
    expect(masked.disclosure).toEqual({ ...MASKED_DISCLOSURE, sex: 'omitted' });
    expect(codes(await t.gql(UPDATE, { senderId: 'opencrvs.example', input: { disclosure: { sex: 'hidden' } } }, admin))).toEqual(['BAD_USER_INPUT']);
    const badType = await t.gql(UPDATE, { senderId: 'opencrvs.example', input: { disclosure: { identifierTypes: [{ type: 'not a code', level: 'given' }] } } }, admin);
    expect(onlyError(badType).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'disclosure.identifierTypes[0].type' });
  });

  it('requires partners:admin on every field', async () => {
    const reader = await t.token(READ);
    expect(codes(await t.gql(LIST, {}, reader))).toEqual(['FORBIDDEN']);
    expect(codes(await t.gql(ROTATE, { senderId: 'opencrvs.example' }, reader))).toEqual(['FORBIDDEN']);
    expect((await t.gql(LIST, {}, null)).status).toBe(401);
  });
});
