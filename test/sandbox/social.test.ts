/** The sandbox social registry's households: reproducible from the seed, and apart from the demo registry's people. */
import { HouseholdSource } from '../../adapters/dci/sandbox/social';

const AS_OF = new Date('2026-12-05T00:00:00Z');
const take = (seed: number, n: number) => {
  const source = new HouseholdSource(seed, AS_OF);
  return Array.from({ length: n }, () => source.next());
};

describe('sandbox social registry households', () => {
  it('are the same for the same seed and day, and differ for another seed', () => {
    expect(take(3, 25)).toEqual(take(3, 25));
    expect(take(4, 25).map((h) => h.members.map((p) => p.givenName))).not.toEqual(take(3, 25).map((h) => h.members.map((p) => p.givenName)));
  });

  it('each has one head, listed first, and people whose UINs no demo registry or birth record uses', () => {
    const households = take(1, 200);
    const uins = households.flatMap((h) => h.members.map((p) => p.uin));
    expect(new Set(uins).size).toBe(uins.length);
    // Seed 1's prefix is 11; demo people run from 00000001 up, births' unknown mothers from 90,000,000.
    expect(uins.every((u) => /^11[7]\d{7}$/.test(u))).toBe(true);
    for (const h of households) {
      expect(h.members[0].role).toBe('head');
      expect(h.members.filter((p) => p.role === 'head')).toHaveLength(1);
      expect(h.members.every((p) => p.birthDate < '2026-12-05' && p.surname === h.members[0].surname)).toBe(true);
    }
    expect(new Set(households.map((h) => h.id)).size).toBe(households.length);
  });
});
