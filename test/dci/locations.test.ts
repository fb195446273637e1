/**
 * `/.well-known/locations.json`: the registry's hierarchy as the core locations API describes it,
 * checked against the official YAML, readable without credentials like the JWKS.
 */
import { validatorFor } from '../../adapters/dci/protocol';
import { ok, useTestGateway } from '../support/gateway';

describe('the locations document', () => {
  const t = useTestGateway();
  const valid = validatorFor('locations', '/.well-known/locations.json', 'response');

  const fetchDocument = async () => {
    const res = await fetch(`${t.url}/.well-known/locations.json`);
    expect(res.status).toBe(200);
    return (await res.json()) as any;
  };

  it('is a valid, empty hierarchy before any place is stored', async () => {
    const document = await fetchDocument();
    expect(valid(document)).toEqual({ ok: true });
    expect(document).toMatchObject({ '@type': 'LocationHierarchy', locations: [] });
  });

  it('lists every stored place with its parent, valid against the official file', async () => {
    const writer = await t.token(['registry:read', 'registry:write']);
    const create = `mutation ($input: CreateLocationInput!) { createLocation(input: $input) { code } }`;
    ok(await t.gql(create, { input: { code: 'NR', name: 'Northern Region', type: 'region' } }, writer));
    ok(await t.gql(create, { input: { code: 'NR-01', name: 'Kinta', type: 'area', parent: 'NR' } }, writer));
    const document = await fetchDocument();
    expect(valid(document)).toEqual({ ok: true });
    expect(document.locations).toEqual([
      { '@type': 'Place', id: 'NR', identifier: [{ '@type': 'PropertyValue', name: 'location-code', identifier: 'NR' }], name: 'Northern Region', additional_type: 'region', contained_in_place: null, containedInPlace: null },
      { '@type': 'Place', id: 'NR-01', identifier: [{ '@type': 'PropertyValue', name: 'location-code', identifier: 'NR-01' }], name: 'Kinta', additional_type: 'area', contained_in_place: 'NR', containedInPlace: 'NR' },
    ]);
    expect(Date.parse(document.last_updated)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('is refused by the validator when a place lacks what the file requires (the check can fail)', () => {
    expect(valid({ '@context': { '@context': 'http://spdci.org/', xsd: 'http://www.w3.org/2001/XMLSchema#', schema: 'http://schema.org/' }, '@type': 'LocationHierarchy', locations: [{ name: 'x' }] })).toMatchObject({ ok: false });
  });
});
