/**
 * `/.well-known/locations.json` (core locations API): the registry's location hierarchy as a DCI
 * LocationHierarchy document. Pure mapping; the places come from the registry.
 */
export interface Place {
  code: string;
  name: string;
  type: string;
  parent: string | null;
  updatedAt: Date;
}

export const LOCATION_CODE_NAME = 'location-code';

/**
 * The official file lists `id` and `containedInPlace` as required while naming the properties
 * `identifier` and `contained_in_place`: each place carries both spellings, so it validates and
 * reads the same to partners written against either.
 */
export function locationHierarchy(places: Place[], now: Date) {
  const lastUpdated = places.reduce((latest, p) => (p.updatedAt > latest ? p.updatedAt : latest), new Date(0));
  return {
    '@context': { '@context': 'http://spdci.org/', xsd: 'http://www.w3.org/2001/XMLSchema#', schema: 'http://schema.org/' },
    '@type': 'LocationHierarchy',
    last_updated: (places.length > 0 ? lastUpdated : now).toISOString(),
    locations: places.map((p) => ({
      '@type': 'Place',
      id: p.code,
      identifier: [{ '@type': 'PropertyValue', name: LOCATION_CODE_NAME, identifier: p.code }],
      name: p.name,
      additional_type: p.type,
      contained_in_place: p.parent,
      containedInPlace: p.parent,
    })),
  };
}
