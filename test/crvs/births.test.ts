/** Birth import over real HTTP: the sandbox CRVS, a real gateway, the job queue and GraphQL. */
import { Types } from 'mongoose';
import { createIndividual } from '../../src/registry/individuals';
import { everything, IMPORT_FIELDS, startCrvsWorld, waitFor, CrvsWorld } from './world';

const START = `mutation ($from: Date!, $to: Date!) { startCrvsImport(from: $from, to: $to) { ${IMPORT_FIELDS} } }`;
const STATUS = `query ($id: ID!) { crvsImport(id: $id) { ${IMPORT_FIELDS} } }`;
const REVIEW = `query ($after: String) { crvsReviewItems(status: open, first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id reason detail record individuals { id } } } } }`;
const RESOLVE = `mutation ($id: ID!) { resolveCrvsReviewItem(id: $id, resolution: "checked with the civil registry office") { id status resolution resolvedBy } }`;

describe('CRVS birth import', () => {
  let w: CrvsWorld;
  let first: any;
  const births = () => w.sandbox.data.births;
  const uniqueBrns = () => new Set(births().map((b) => b.brn));
  const day = (d: string) => new Date(`${d}T00:00:00.000Z`);
  const ok = (res: any) => {
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data;
  };
  const runImport = async () => {
    const started = ok(await w.gql(START, everything())).startCrvsImport;
    return waitFor(async () => {
      const status = ok(await w.gql(STATUS, { id: started.id })).crvsImport;
      return status.state === 'done' && status;
    }, 120_000);
  };
  const count = async () => {
    const m = w.gateway.models;
    return { individuals: await m.Individual.countDocuments({}), groups: await m.Group.countDocuments({}), memberships: await m.Membership.countDocuments({}), review: await m.CrvsReviewItem.countDocuments({}) };
  };
  // A known person: the first birth, registered before the import with its BRN.
  const known = () => births()[0];
  // A mother outside the demo registry, registered without a household before the import.
  const lone = () => births().find((b) => !b.motherInDemo)!;

  beforeAll(async () => {
    w = await startCrvsWorld({ births: 150 });
    const m = w.gateway.models;
    const k = known();
    await createIndividual(m, { name: { given: k.givenName, family: k.surname }, sex: k.sex, birthDate: day(k.birthDate), identifiers: [{ type: 'BRN', value: k.brn }] }, new Date());
    await createIndividual(m, { name: { given: 'Asha', family: 'Tembo' }, sex: 'female', birthDate: day(`${new Date().getUTCFullYear() - 35}-03-01`), identifiers: [{ type: 'UIN', value: lone().motherUin }] }, new Date());
    first = await runImport();
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('creates one individual per new BRN, with the BRN (issuer CRVS, verified) and the child data', async () => {
    const m = w.gateway.models;
    expect(first.totalCount).toBe(births().length);
    const brns = await m.IdentifierClaim.find({ _id: { $in: [...uniqueBrns()].map((brn) => `BRN:${brn}`) } }).lean();
    expect(brns).toHaveLength(uniqueBrns().size);
    const b = births()[3];
    const claim = brns.find((c) => c.identifier.value === b.brn)!;
    expect(claim).toMatchObject({ identifier: { issuer: 'CRVS', verificationStatus: 'verified' }, registrantKind: 'individual' });
    const child = await m.Individual.findById(claim.registrant).lean();
    expect(child!.identifiers).toContainEqual(claim.identifier);
    expect(child).toMatchObject({ name: { given: b.givenName, family: b.surname }, sex: b.sex, status: 'active', areaCode: b.area.areaCode });
    expect(child!.birthDate!.toISOString().slice(0, 10)).toBe(b.birthDate);
    expect(first.counts.created).toBe(uniqueBrns().size - 1);
  });

  it('deduplicates on an identifier the registry already holds', async () => {
    const holders = await w.gateway.models.IdentifierClaim.find({ _id: `BRN:${known().brn}` }).lean();
    expect(holders).toHaveLength(1);
    // Not created again: unchanged, or updated when the import places the known child in its mother's household.
    expect(first.counts.unchanged + first.counts.updated).toBeGreaterThanOrEqual(1);
  });

  it('puts the child in the mother\'s household, or makes her head of a new one', async () => {
    const m = w.gateway.models;
    const childOf = async (brn: string) => (await m.IdentifierClaim.findById(`BRN:${brn}`).lean())!.registrant;
    // A demo mother (female, plausible age) is a member of a seeded household: the child joins it.
    const people = await m.Individual.find({}, { sex: 1, birthDate: 1 }).lean();
    const byUin = new Map((await m.IdentifierClaim.find({ 'identifier.type': 'UIN' }).lean()).map((c) => [c.identifier.value, c.registrant]));
    const joined = births().find((b) => {
      const mother = people.find((p) => p._id.equals(byUin.get(b.motherUin) as Types.ObjectId));
      const age = mother?.birthDate ? (day(b.birthDate).getTime() - mother.birthDate.getTime()) / 3.15576e10 : 0;
      return b.motherInDemo && !b.conflictingDuplicate && mother?.sex === 'female' && age >= 13 && age <= 59;
    })!;
    const motherId = byUin.get(joined.motherUin)!;
    const [motherHome] = await m.Membership.find({ individual: motherId, endDate: null }).lean();
    const childHome = await m.Membership.findOne({ individual: await childOf(joined.brn), endDate: null }).lean();
    expect(childHome).toMatchObject({ group: motherHome.group, role: 'child' });

    const loneMother = byUin.get(lone().motherUin)!;
    const head = await m.Membership.findOne({ individual: loneMother, endDate: null }).lean();
    expect(head).toMatchObject({ role: 'head' });
    const members = await m.Membership.find({ group: head!.group, endDate: null }).lean();
    expect(members.map((x) => `${x.individual}`)).toContain(`${await childOf(lone().brn)}`);
    expect(await m.Group.findById(head!.group).lean()).toMatchObject({ kind: 'household', size: members.length });
  });

  it('changes nothing when the same import runs again', async () => {
    const before = await count();
    const second = await runImport();
    expect(second.id).not.toBe(first.id);
    expect(second.counts).toMatchObject({ created: 0, updated: 0, review: first.counts.review });
    expect(second.counts.unchanged).toBe(first.counts.created + first.counts.updated + first.counts.unchanged);
    expect(await count()).toEqual(before);
  });

  it('lists the imports, the latest started first, by state', async () => {
    const LIST = `query ($state: CrvsImportState, $first: Int, $offset: Int) { crvsImports(state: $state, first: $first, offset: $offset) { totalCount pageInfo { hasNextPage } edges { node { id kind state startedAt counts { created } } } } }`;
    const all: any = ok(await w.gql(LIST, {}, ['registry:read'])).crvsImports;
    expect(all.totalCount).toBeGreaterThanOrEqual(2);
    const started = all.edges.map((e: any) => e.node.startedAt);
    expect(started).toEqual([...started].sort().reverse());
    expect(all.edges.map((e: any) => e.node.id)).toContain(first.id);
    expect(all.edges[all.edges.length - 1].node).toMatchObject({ id: first.id, kind: 'births', state: 'done', counts: { created: first.counts.created } });
    const page: any = ok(await w.gql(LIST, { first: 1, offset: 1 }, ['registry:read'])).crvsImports;
    expect(page.edges.map((e: any) => e.node.id)).toEqual([all.edges[1].node.id]);
    expect(ok(await w.gql(LIST, { state: 'done' })).crvsImports.totalCount).toBe(all.totalCount);
    expect(ok(await w.gql(LIST, { state: 'failed' })).crvsImports.totalCount).toBe(0);
  });

  it('lists unknown mothers and duplicated BRNs for review, and resolves an item once', async () => {
    const items: any[] = [];
    let after: string | null = null;
    do {
      const page: any = ok(await w.gql(REVIEW, { after })).crvsReviewItems;
      items.push(...page.edges.map((e: any) => e.node));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(items.map((i) => i.reason)).toEqual(expect.arrayContaining(['MOTHER_NOT_FOUND', 'DUPLICATE_RECORD', 'MOTHER_IMPLAUSIBLE']));
    // A conflicting duplicate is reviewed as such; its household is not considered.
    const unknownMothers = births().filter((b) => !b.motherInDemo && !b.conflictingDuplicate && b.motherUin !== lone().motherUin);
    expect(items.filter((i) => i.reason === 'MOTHER_NOT_FOUND')).toHaveLength(unknownMothers.length);
    const duplicates = births().filter((b) => b.conflictingDuplicate);
    const duplicateItems = items.filter((i) => i.reason === 'DUPLICATE_RECORD');
    expect(duplicateItems).toHaveLength(duplicates.length);
    expect(duplicates.map((d) => d.givenName).sort()).toEqual(duplicateItems.map((i) => JSON.parse(i.record).name.given_name).sort());
    expect(duplicateItems[0].individuals).toHaveLength(1);

    const resolved = ok(await w.gql(RESOLVE, { id: duplicateItems[0].id })).resolveCrvsReviewItem;
    expect(resolved).toMatchObject({ status: 'resolved', resolvedBy: 'crvs-test' });
    const again = await w.gql(RESOLVE, { id: duplicateItems[0].id });
    expect(again.body.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_RESOLVED' });
    // Without registry:pii the source record is masked.
    const masked: any = ok(await w.gql(REVIEW, { after: null }, ['registry:read'])).crvsReviewItems;
    expect(masked.edges[0].node.record).toMatch(/^\{\*\*\*$/);
  });

  it('keeps the BRN as the birth event of each child', async () => {
    const q = `query ($id: ID!) { individual(id: $id) { civilEvents { kind registrationType registrationNumber date via } } }`;
    const id = (await w.gateway.models.IdentifierClaim.findById(`BRN:${births()[3].brn}`).lean())!.registrant;
    const events = ok(await w.gql(q, { id: `${id}` })).individual.civilEvents;
    expect(events).toEqual([{ kind: 'birth', registrationType: 'BRN', registrationNumber: births()[3].brn, date: births()[3].birthDate, via: 'search' }]);
  });
});
