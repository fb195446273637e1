import { seedRegistry } from '../../../src/registry/seed';
import { startTestGateway } from '../../support/gateway';
it('probe', async () => {
  const t = await startTestGateway();
  const tok = await t.token(['registry:read', 'registry:pii']);
  await seedRegistry(t.gateway.models, { individuals: 60, seed: 3 });
  const seen: string[] = [];
  t.gateway.store.connection.getClient().on('commandStarted', (e: any) => seen.push(`${e.commandName} ${JSON.stringify(e.command).slice(0, 160)}`));
  const q = `query ($first: Int) { groups(first: $first) { totalCount edges { node { id members { role individual { id identifiers { value } } } identifiers { value } head { id } } } } }`;
  await t.gql(q, { first: 5 }, tok);
  console.log(seen.join('\n'));
  await t.stop();
});
