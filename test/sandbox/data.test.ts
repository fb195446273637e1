import { startSandbox } from '../../adapters/dci/sandbox';
import { demoPeople } from '../../adapters/dci/sandbox/demoPeople';

describe('sandbox data', () => {
  const asOf = new Date('2026-06-30T00:00:00Z');

  it('is the same for the same seed and day, and different for another seed', async () => {
    const [a, b, c] = await Promise.all([startSandbox({ seed: 7, asOf }), startSandbox({ seed: 7, asOf }), startSandbox({ seed: 8, asOf })]);
    try {
      expect(b.data).toEqual(a.data);
      expect(c.data.births).not.toEqual(a.data.births);
      expect(a.data.births[0].motherUin.slice(0, 2)).toBe('17'); // seed 7: 7 % 90 + 10
      expect(c.data.enrolments[0].uin.slice(0, 2)).toBe('18');
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
    }
  });

  it('generates 20,000 births spread over ten years and the six demo areas, linked to demo mothers', async () => {
    const sandbox = await startSandbox({ births: 20_000, demoIndividuals: 2000, asOf });
    try {
      const { births, deaths, enrolments, disabilities } = sandbox.data;
      expect(births).toHaveLength(20_000);
      expect(new Set(births.map((b) => b.area.areaCode))).toEqual(new Set(['NR-01', 'NR-02', 'CE-01', 'CE-02', 'SO-01', 'SO-02']));
      expect(births.every((b) => b.birthDate > '2016-06-29' && b.birthDate <= '2026-06-30')).toBe(true);
      expect(births.every((b) => b.registrationDate >= b.birthDate && b.registrationDate <= '2026-06-30')).toBe(true);

      const inDemo = (uin: string) => uin.startsWith('11') && Number(uin.slice(2)) >= 1 && Number(uin.slice(2)) <= 2000;
      expect(births.every((b) => inDemo(b.motherUin) === b.motherInDemo)).toBe(true);
      const unknownMothers = births.filter((b) => !b.motherInDemo).length / births.length;
      expect(unknownMothers).toBeGreaterThan(0.04);
      expect(unknownMothers).toBeLessThan(0.06);

      const duplicates = births.filter((b) => b.conflictingDuplicate);
      expect(duplicates.length / births.length).toBeGreaterThan(0.005);
      expect(duplicates.length / births.length).toBeLessThan(0.015);
      for (const duplicate of duplicates.slice(0, 20)) {
        const original = births.find((b) => b.brn === duplicate.brn && !b.conflictingDuplicate)!;
        expect(original.givenName).not.toBe(duplicate.givenName);
      }

      expect(deaths).toHaveLength(50);
      expect(new Set(deaths.map((d) => d.uin)).size).toBe(50);
      expect(deaths.every((d) => inDemo(d.uin))).toBe(true);

      const enrolled = new Set(enrolments.map((e) => e.uin));
      expect(enrolled.size / 2000).toBeGreaterThan(0.16);
      expect(enrolled.size / 2000).toBeLessThan(0.24);
      const perPerson = new Map<string, number>();
      for (const e of enrolments) perPerson.set(e.uin, (perPerson.get(e.uin) ?? 0) + 1);
      expect(Math.max(...perPerson.values())).toBe(2);

      expect(disabilities.length / 2000).toBeGreaterThan(0.05);
      expect(disabilities.length / 2000).toBeLessThan(0.11);
      expect(new Set(disabilities.map((d) => d.disabilityStatus))).toEqual(new Set(['Approved', 'Pending']));
    } finally {
      await sandbox.stop();
    }
  });

  it('names as mother a woman of the demo registry of child-bearing age at the birth, alive, but for ~2% clerical errors', async () => {
    const sandbox = await startSandbox({ births: 20_000, demoIndividuals: 2000, asOf });
    try {
      const { births, deaths } = sandbox.data;
      const people = new Map(demoPeople(1, 2000, asOf).map((p) => [`11${String(p.n).padStart(8, '0')}`, p]));
      const ageAt = (born: Date, day: string) => (new Date(`${day}T00:00:00Z`).getTime() - born.getTime()) / (365.2425 * 86_400_000);
      const named = births.filter((b) => b.motherInDemo && !b.motherMistaken);
      expect(named.length / births.length).toBeGreaterThan(0.9);
      const implausible = named.filter((b) => {
        const mother = people.get(b.motherUin)!;
        const age = ageAt(mother.birthDate, b.birthDate);
        return mother.sex !== 'female' || age < 15 || age >= 50;
      });
      expect(implausible).toEqual([]);
      const dead = new Set(deaths.map((d) => d.uin));
      expect(named.some((b) => dead.has(b.motherUin))).toBe(false);
      // Not a handful of women for every birth: the demo registry's households grow all over.
      expect(new Set(named.map((b) => b.motherUin)).size).toBeGreaterThan(200);

      const mistaken = births.filter((b) => b.motherMistaken);
      expect(mistaken.length / births.length).toBeGreaterThan(0.01);
      expect(mistaken.length / births.length).toBeLessThan(0.03);
      expect(mistaken.every((b) => b.motherInDemo && people.get(b.motherUin)!.sex === 'male')).toBe(true);
    } finally {
      await sandbox.stop();
    }
  });
});
