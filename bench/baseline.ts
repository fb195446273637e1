/**
 * The hand-written comparison for the dashboard query: plain express + mongoose on the gateway's own
 * connection, the same token check, and the same JSON as the GraphQL answer, built with four
 * batched queries (groups, their current memberships, the members, every identifier at once).
 */
import express from 'express';
import http from 'node:http';
import { Types } from 'mongoose';
import { hasScope } from '../src/auth/principal';
import { bearerToken, TokenService } from '../src/auth/tokens';
import { LOADER_BATCH } from '../src/graphql/loaders';
import type { RegistryModels } from '../src/store/models';
import type { IdentifierDoc } from '../src/store/models/identifier';

const day = (d: Date | undefined) => (d ? d.toISOString().slice(0, 10) : null);

function byKey<T>(rows: T[], key: (row: T) => Types.ObjectId): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const k = `${key(row)}`;
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

/** Each query answers in one reply, as the GraphQL loaders do (no getMore round trips). */
async function households(models: RegistryModels, first: number) {
  const groups = await models.Group.find({}).sort({ _id: 1 }).limit(first).lean();
  const memberships = await models.Membership.find({ group: { $in: groups.map((g) => g._id) }, endDate: null }).sort({ _id: 1 }).batchSize(LOADER_BATCH).lean();
  const personIds = memberships.map((m) => m.individual);
  const [people, identifiers] = await Promise.all([
    models.Individual.find({ _id: { $in: personIds } }).batchSize(LOADER_BATCH).lean(),
    models.Identifier.find({ registrant: { $in: [...groups.map((g) => g._id), ...personIds] } }).sort({ _id: 1 }).batchSize(LOADER_BATCH).lean(),
  ]);
  const person = new Map(people.map((p) => [`${p._id}`, p]));
  const idsOf = byKey(identifiers, (i) => i.registrant);
  const membersOf = byKey(memberships, (m) => m.group);
  const ids = (owner: Types.ObjectId) => (idsOf.get(`${owner}`) ?? []).map((i: IdentifierDoc) => ({ type: i.type, value: i.value }));
  return groups.map((g) => ({
    node: {
      id: `${g._id}`,
      name: g.name,
      size: g.size,
      identifiers: ids(g._id),
      members: (membersOf.get(`${g._id}`) ?? []).map((m) => {
        const p = person.get(`${m.individual}`)!;
        return { role: m.role, individual: { id: `${p._id}`, name: { given: p.name.given, family: p.name.family }, sex: p.sex, birthDate: day(p.birthDate), identifiers: ids(p._id) } };
      }),
    },
  }));
}

/** Serves GET /households?first=N on a free port; answers in the GraphQL response shape. */
export async function startBaseline(models: RegistryModels, tokens: TokenService): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.get('/households', async (req, res) => {
    const principal = await tokens.verify(bearerToken(req.headers.authorization) ?? '').catch(() => undefined);
    if (!principal || !hasScope(principal, 'registry:read') || !hasScope(principal, 'registry:pii')) {
      res.status(401).json({ error: 'a token with registry:read and registry:pii is required' });
      return;
    }
    res.json({ data: { groups: { edges: await households(models, Number(req.query.first)) } } });
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/households`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
