/**
 * The hand-written comparison for the dashboard query: plain express + mongoose on the gateway's own
 * connection, the same token check, and the same JSON as the GraphQL answer, built with two
 * queries (the groups, holding their identifiers and current members; the members by `_id`).
 */
import express from 'express';
import http from 'node:http';
import { hasScope } from '../src/auth/principal';
import { bearerToken, TokenService } from '../src/auth/tokens';
import { LOADER_BATCH } from '../src/graphql/loaders';
import type { RegistryModels } from '../src/store/models';
import type { EmbeddedIdentifier } from '../src/store/models/identifier';

const day = (d: Date | undefined) => (d ? d.toISOString().slice(0, 10) : null);
const ids = (identifiers: EmbeddedIdentifier[]) => identifiers.map((i) => ({ type: i.type, value: i.value }));

/** Each query answers in one reply, as the GraphQL loaders do (no getMore round trips). */
async function households(models: RegistryModels, first: number) {
  const groups = await models.Group.find({}).sort({ _id: 1 }).limit(first).lean();
  const people = await models.Individual.find({ _id: { $in: groups.flatMap((g) => g.members.map((m) => m.individual)) } }).batchSize(LOADER_BATCH).lean();
  const person = new Map(people.map((p) => [`${p._id}`, p]));
  return groups.map((g) => ({
    node: {
      id: `${g._id}`,
      name: g.name,
      size: g.size,
      identifiers: ids(g.identifiers),
      members: g.members.map((m) => {
        const p = person.get(`${m.individual}`)!;
        return { role: m.role, individual: { id: `${p._id}`, name: { given: p.name.given, family: p.name.family }, sex: p.sex, birthDate: day(p.birthDate), identifiers: ids(p.identifiers) } };
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
