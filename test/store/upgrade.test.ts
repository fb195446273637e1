/**
 * A data directory written by an older gateway (identifiers in their own collection, memberships
 * only in theirs) is brought to the current shape once at start, and a gateway on it answers as
 * before. The upgrade can be run again, also after stopping half-way, without changing the result.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Types } from 'mongoose';
import { loadConfig } from '../../src/config';
import { startGateway } from '../../src/gateway';
import { createLogger } from '../../src/log';
import { openStore, Store } from '../../src/store/connection';
import { syncIndexes } from '../../src/store/models';
import { REGISTRY_SHAPE } from '../../src/store/upgrade';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const at = day('2025-01-01');
const person = (given: string, sex: string, identifierTypes: string[]) => ({
  _id: new Types.ObjectId(), name: { given, family: 'Banda' }, sex, status: 'active', addresses: [], phoneNumbers: [], emails: [],
  registrationDate: at, lastUpdated: at, version: 1, searchNames: [given.toLowerCase(), 'banda'], identifierTypes,
});

/** Shape 1, as the gateway before the upgrade wrote it. */
function shapeOne() {
  const head = person('Grace', 'female', ['NATIONAL_ID', 'UIN']);
  const child = person('Joy', 'female', ['BRN']);
  const left = person('Paul', 'male', []);
  const group = { _id: new Types.ObjectId(), kind: 'household', name: 'Banda household', size: 2, registrationDate: at, lastUpdated: at, version: 4, searchName: 'banda household', identifierTypes: ['HOUSEHOLD_ID'] };
  const identifier = (type: string, value: string, registrantKind: string, registrant: Types.ObjectId) =>
    ({ _id: new Types.ObjectId(), type, value, issuer: 'nira', verificationStatus: 'verified', registrantKind, registrant, createdAt: at });
  const identifiers = [
    identifier('UIN', 'OLD-UIN-1', 'individual', head._id),
    identifier('NATIONAL_ID', 'OLD-NID-1', 'individual', head._id),
    identifier('BRN', 'OLD-BRN-1', 'individual', child._id),
    identifier('HOUSEHOLD_ID', 'OLD-HH-1', 'group', group._id),
  ];
  const membership = (individual: Types.ObjectId, role: string, endDate?: Date) => {
    const _id = new Types.ObjectId();
    return {
      _id, group: group._id, individual, role, startDate: day('2024-01-01'), ...(endDate && { endDate }),
      headSlot: role === 'head' && !endDate ? `head:${group._id}` : `ended:${_id}`,
      memberSlot: endDate ? `ended:${_id}` : `member:${group._id}:${individual}`,
    };
  };
  const memberships = [membership(head._id, 'head'), membership(child._id, 'child'), membership(left._id, 'spouse', day('2024-06-01'))];
  return { individuals: [head, child, left], groups: [group], identifiers, memberships, head, child, left, group };
}

async function writeShapeOne(store: Store, data: ReturnType<typeof shapeOne>) {
  const db = store.connection.db!;
  await db.collection('individuals').insertMany(data.individuals);
  await db.collection('groups').insertMany(data.groups);
  await db.collection('identifiers').insertMany(data.identifiers);
  await db.collection('memberships').insertMany(data.memberships);
}

describe('upgrading a data directory of the older shape', () => {
  let dataDir: string;
  const data = shapeOne();

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-upgrade-'));
    const store = await openStore({ dataDir, log: createLogger('silent') });
    try {
      await writeShapeOne(store, data);
      await syncIndexes(store.connection);
    } finally {
      await store.close();
    }
  }, 120_000);
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  /** The upgraded documents, as stored. */
  async function stored(store: Store) {
    const db = store.connection.db!;
    const sorted = <T>(rows: T[]) => rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    return {
      individuals: sorted(await db.collection('individuals').find({}).toArray()),
      groups: await db.collection('groups').find({}).toArray(),
      claims: sorted(await db.collection('identifier_claims').find({}).toArray()),
      collections: (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
      meta: await db.collection('store_meta').findOne({ _id: 'registry-shape' as never }),
    };
  }

  it('claims every identifier, copies it onto its registrant, and embeds current memberships on both sides', async () => {
    const store = await openStore({ dataDir, log: createLogger('silent') });
    try {
      const s = await stored(store);
      expect(s.meta).toMatchObject({ version: REGISTRY_SHAPE });
      expect(s.collections).not.toContain('identifiers');
      expect(s.claims.map((c) => c._id).sort()).toEqual(['BRN:OLD-BRN-1', 'HOUSEHOLD_ID:OLD-HH-1', 'NATIONAL_ID:OLD-NID-1', 'UIN:OLD-UIN-1']);
      const byId = (id: Types.ObjectId) => s.individuals.find((i) => i._id.equals(id))!;
      const { head, child, left, group } = data;
      expect(byId(head._id).identifiers.map((i: { type: string }) => i.type).sort()).toEqual(['NATIONAL_ID', 'UIN']);
      expect(byId(head._id).identifierTypes).toBeUndefined();
      expect(byId(left._id)).toMatchObject({ identifiers: [], groups: [] });
      const [headMembership, childMembership] = data.memberships;
      expect(byId(child._id).groups).toEqual([{ _id: childMembership._id, group: group._id, role: 'child', startDate: day('2024-01-01') }]);
      expect(s.groups[0].members).toEqual([
        { _id: headMembership._id, individual: head._id, role: 'head', startDate: day('2024-01-01') },
        { _id: childMembership._id, individual: child._id, role: 'child', startDate: day('2024-01-01') },
      ]);
      expect(s.groups[0].identifiers).toEqual([expect.objectContaining({ type: 'HOUSEHOLD_ID', value: 'OLD-HH-1' })]);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('run again after stopping before its last steps, it gives the same documents', async () => {
    const store = await openStore({ dataDir, log: createLogger('silent') });
    try {
      const before = await stored(store);
      // Stopped before dropping the old collection and recording the shape.
      await store.connection.db!.collection('identifiers').insertMany(data.identifiers);
      await store.connection.db!.collection('store_meta').deleteMany({});
      await syncIndexes(store.connection);
      await syncIndexes(store.connection);
      expect(await stored(store)).toEqual(before);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('a gateway on the upgraded directory answers as before', async () => {
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(process.env.EMBEDDED_ENGINE && { EMBEDDED_ENGINE: process.env.EMBEDDED_ENGINE }) });
    const gateway = await startGateway(config, createLogger('silent'));
    try {
      const token = await gateway.tokens.issue({ subject: 'upgrade-test', scopes: ['registry:read', 'registry:pii'], kind: 'user', ttlSeconds: 600 });
      const query = `{ registrantByIdentifier(type: "UIN", value: "OLD-UIN-1") { ... on Individual { name { given } identifiers { type value } groups { role group { name size head { name { given } } members(includeEnded: true) { role current } } } } } }`;
      const res = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
      const body = (await res.json()) as { data: any };
      expect(body.data.registrantByIdentifier).toEqual({
        name: { given: 'Grace' },
        identifiers: [{ type: 'UIN', value: 'OLD-UIN-1' }, { type: 'NATIONAL_ID', value: 'OLD-NID-1' }],
        groups: [{
          role: 'head',
          group: { name: 'Banda household', size: 2, head: { name: { given: 'Grace' } }, members: [{ role: 'head', current: true }, { role: 'child', current: true }, { role: 'spouse', current: false }] },
        }],
      });
    } finally {
      await gateway.stop();
    }
  }, 120_000);
});
