/** Counts for dashboards. Only $match/$group stages, which every MongoDB-compatible engine runs. */
import type { RegistryModels } from '../store/models';
import { individualQuery, IndividualFilter } from './individuals';

export const AGE_BANDS = [
  { label: '0-4', min: 0, max: 4 },
  { label: '5-17', min: 5, max: 17 },
  { label: '18-59', min: 18, max: 59 },
  { label: '60+', min: 60, max: 200 },
] as const;

export interface Count {
  key: string;
  count: number;
}

function yearsBefore(now: Date, years: number): Date {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d;
}

export async function registryStats(models: RegistryModels, filter: IndividualFilter | null | undefined, now: Date) {
  const match = await individualQuery(models, filter);
  const countBy = async (field: string): Promise<Count[]> => {
    const rows = await models.Individual.aggregate<{ _id: string | null; n: number }>([
      { $match: match },
      { $group: { _id: `$${field}`, n: { $sum: 1 } } },
    ]);
    return rows.map((r) => ({ key: r._id ?? 'unknown', count: r.n })).sort((a, b) => a.key.localeCompare(b.key));
  };
  const byAgeBand = async (): Promise<Count[]> => {
    const bands = await Promise.all(
      AGE_BANDS.map(async (band) => {
        // Born after (now - max - 1 years) and on or before (now - min years).
        const born = { $gt: yearsBefore(now, band.max + 1), $lte: yearsBefore(now, band.min) };
        return { key: band.label, count: await models.Individual.countDocuments({ $and: [match, { birthDate: born }] }) };
      }),
    );
    return bands;
  };
  const [total, bySex, byArea, byStatus, byAge] = await Promise.all([
    models.Individual.countDocuments(match),
    countBy('sex'),
    countBy('areaCode'),
    countBy('status'),
    byAgeBand(),
  ]);
  return { total, bySex, byArea, byStatus, byAgeBand: byAge };
}
