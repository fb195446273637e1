/**
 * The registry as one subgraph of a supergraph: our SDL (as `_service { sdl }` publishes it) is
 * composed with a second subgraph, a programme-payments service that extends `Individual` by its
 * `@key`, with Apollo's composition library, and served by Apollo Gateway. Queries cross both
 * subgraphs in each direction, and the caller's token reaches the registry through the gateway.
 */
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { ok, useTestGateway } from '../support/gateway';

jest.setTimeout(60_000);

const PAYMENTS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Payment { id: ID! amountCents: Int! individual: Individual! }
  type Individual @key(fields: "id") { id: ID! payments: [Payment!]! }
  type Query { paymentsDue: [Payment!]! }
`;

/** A payments service of its own, knowing people only by the registry's ids. */
async function startPaymentsSubgraph(paymentsByIndividual: Map<string, number[]>) {
  const payments = [...paymentsByIndividual].flatMap(([individual, amounts]) =>
    amounts.map((amountCents, i) => ({ id: `${individual}-${i}`, amountCents, individual: { id: individual } })),
  );
  const server = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs: parse(PAYMENTS_SDL),
      resolvers: {
        Query: { paymentsDue: () => payments },
        Individual: {
          __resolveReference: (ref: { id: string }) => ref,
          payments: (ref: { id: string }) => payments.filter((p) => p.individual.id === ref.id),
        },
      },
    }),
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, sdl: PAYMENTS_SDL, stop: () => server.stop() };
}

describe('supergraph composition', () => {
  const t = useTestGateway();
  let payments: Awaited<ReturnType<typeof startPaymentsSubgraph>>;
  let supergraph: ApolloServer;
  let supergraphUrl: string;
  let ama: string;
  let ben: string;

  beforeAll(async () => {
    const writer = await t.token(['registry:read', 'registry:write']);
    const create = async (given: string) =>
      ok(await t.gql(`mutation ($g: String!) { createIndividual(input: { name: { given: $g, family: "Okafor" }, sex: female }) { id } }`, { g: given }, writer)).createIndividual.id as string;
    ama = await create('Ama');
    ben = await create('Ben');
    payments = await startPaymentsSubgraph(new Map([[ama, [1500, 2500]], [ben, [700]]]));

    const registrySdl: string = ok(await t.gql(`{ _service { sdl } }`, {}, await t.token(['registry:read', 'schema:read'])))._service.sdl;
    const composed = composeServices([
      { name: 'registry', url: `${t.url}/graphql`, typeDefs: parse(registrySdl) },
      { name: 'payments', url: payments.url, typeDefs: parse(payments.sdl) },
    ]);
    if (composed.errors) throw new Error(`composition failed: ${composed.errors.map((e) => e.message).join('; ')}`);

    const gateway = new ApolloGateway({
      supergraphSdl: composed.supergraphSdl,
      // The caller's own token goes to each subgraph: the registry applies its scopes as for a direct call.
      buildService: ({ url }) =>
        new RemoteGraphQLDataSource<{ authorization?: string }>({
          url,
          willSendRequest({ request, context }) {
            if (context.authorization) request.http?.headers.set('authorization', context.authorization);
          },
        }),
    });
    supergraph = new ApolloServer({ gateway });
    ({ url: supergraphUrl } = await startStandaloneServer(supergraph, {
      listen: { port: 0, host: '127.0.0.1' },
      context: async ({ req }) => ({ authorization: req.headers.authorization }),
    }));
  });

  afterAll(async () => {
    await supergraph?.stop();
    await payments?.stop();
  });

  async function query(text: string, variables: Record<string, unknown>, token: string) {
    const res = await fetch(supergraphUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: text, variables }),
    });
    return { status: res.status, body: (await res.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } };
  }

  it('answers a query that starts in payments and resolves each person in the registry', async () => {
    const res = await query(`{ paymentsDue { amountCents individual { id name { given family } } } }`, {}, await t.token(['registry:read', 'registry:pii']));
    expect(res.body.errors).toBeUndefined();
    const rows = res.body.data.paymentsDue.map((p: any) => [p.individual.name.given, p.amountCents]);
    expect(rows).toEqual([['Ama', 1500], ['Ama', 2500], ['Ben', 700]]);
  });

  it('answers a query that starts in the registry and adds each person’s payments', async () => {
    const res = await query(`query ($id: ID!) { individual(id: $id) { name { given } payments { amountCents } } }`, { id: ama }, await t.token(['registry:read', 'registry:pii']));
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.individual).toEqual({ name: { given: 'Ama' }, payments: [{ amountCents: 1500 }, { amountCents: 2500 }] });
  });

  it('keeps the registry’s scopes: names masked without registry:pii, no person without registry:read', async () => {
    const masked = await query(`{ paymentsDue { individual { name { given } } } }`, {}, await t.token(['registry:read']));
    expect(masked.body.data.paymentsDue.map((p: any) => p.individual.name.given)).toEqual(['A***', 'A***', 'B***']);
    const res = await query(`{ paymentsDue { amountCents individual { name { given } } } }`, {}, await t.token(['metrics:read']));
    expect(res.body.data?.paymentsDue ?? null).toBeNull();
    expect(res.body.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
  });
});
