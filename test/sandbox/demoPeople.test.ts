/**
 * The sandbox's copy of the demo registry's people (sex and birth date, by UIN) against the registry
 * the real seed writes: a change to the seed that the copy does not follow fails here.
 */
import { demoPeople } from '../../adapters/dci/sandbox/demoPeople';
import { seedRegistry } from '../../src/registry/seed';
import { ok, READ_PII, useTestGateway } from '../support/gateway';

const PEOPLE = `query ($after: String) { individuals(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { sex birthDate identifiers { type value } } }
} }`;

interface Person {
  sex: string;
  birthDate: string;
  identifiers: { type: string; value: string }[];
}

describe('the demo people the sandbox derives from the seed', () => {
  const t = useTestGateway();

  it('have the sex and birth date the seed gave the person of each UIN', async () => {
    // Early in the year, so that some babies' drawn birthdays fall after the seeding day.
    const seededOn = new Date('2025-02-10T09:30:00Z');
    const individuals = 300;
    await seedRegistry(t.gateway.models, { individuals, seed: 5, now: seededOn });
    const token = await t.token(READ_PII);
    const seeded = new Map<string, { sex: string; birthDate: string }>();
    for (let after: string | null = null; ; ) {
      const page: any = ok(await t.gql(PEOPLE, { after }, token)).individuals;
      for (const { node } of page.edges as { node: Person }[]) seeded.set(node.identifiers.find((i) => i.type === 'UIN')!.value, { sex: node.sex, birthDate: node.birthDate });
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }

    const derived = demoPeople(5, individuals, seededOn);
    expect(derived).toHaveLength(individuals);
    // Seed 5's UINs start with 15.
    const expected = new Map(derived.map((p) => [`15${String(p.n).padStart(8, '0')}`, { sex: p.sex, birthDate: p.birthDate.toISOString().slice(0, 10) }]));
    expect(seeded).toEqual(expected);
  });
});
