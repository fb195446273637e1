/** Individuals: registering, reading back, updating with optimistic versions, recording deaths. */
import { codes, ok, onlyError, READ, useTestGateway, WRITE } from '../support/gateway';
import { createIndividual, INDIVIDUAL_FIELDS, isoDay } from './fixtures';

const READ_INDIVIDUAL = `query ($id: ID!) { individual(id: $id) { ${INDIVIDUAL_FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $version: Int!, $input: UpdateIndividualInput!) {
  updateIndividual(id: $id, version: $version, input: $input) { ${INDIVIDUAL_FIELDS} } }`;
const RECORD_DEATH = `mutation ($id: ID!, $deathDate: Date!) { recordDeath(id: $id, deathDate: $deathDate) { ${INDIVIDUAL_FIELDS} } }`;

describe('individuals', () => {
  const t = useTestGateway();
  let writer: string;
  let reader: string;

  beforeAll(async () => {
    writer = await t.token(WRITE);
    reader = await t.token(READ);
  });

  it('createIndividual stores every field and returns the stored individual', async () => {
    const before = Date.now();
    const created = await createIndividual(t, writer, {
      name: { given: 'Amina', family: 'Okafor', middle: 'Ngozi' },
      sex: 'female',
      birthDate: '1985-03-09',
      addresses: [{ line: '12 Market Road', locality: 'Kinta', areaCode: 'NR-01', regionCode: 'NR', country: 'ZZ' }],
      phoneNumbers: ['+99 712 345678'],
      emails: ['amina@example.org'],
      identifiers: [{ type: 'UIN', value: 'IND-CREATE-1', issuer: 'civil-registry', verificationStatus: 'verified' }],
    });

    expect(created).toMatchObject({
      name: { given: 'Amina', family: 'Okafor', middle: 'Ngozi' },
      sex: 'female',
      birthDate: '1985-03-09',
      deathDate: null,
      status: 'active',
      addresses: [{ line: '12 Market Road', locality: 'Kinta', areaCode: 'NR-01', regionCode: 'NR', country: 'ZZ' }],
      phoneNumbers: ['+99 712 345678'],
      emails: ['amina@example.org'],
      version: 1,
      groups: [],
      identifiers: [{ type: 'UIN', value: 'IND-CREATE-1', issuer: 'civil-registry', verificationStatus: 'verified' }],
    });
    expect(created.id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Date(created.registrationDate).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(created.lastUpdated).toBe(created.registrationDate);
    expect(created.age).toBeGreaterThanOrEqual(39);

    const read = ok(await t.gql(READ_INDIVIDUAL, { id: created.id }, writer)).individual;
    expect(read).toEqual(created);
  });

  it('createIndividual defaults optional lists to empty and identifiers to unverified', async () => {
    const created = await createIndividual(t, writer, { birthDate: null, identifiers: [{ type: 'NATIONAL_ID', value: 'IND-DEFAULTS-1' }] });
    expect(created).toMatchObject({ birthDate: null, age: null, addresses: [], phoneNumbers: [], emails: [] });
    expect(created.identifiers).toEqual([expect.objectContaining({ type: 'NATIONAL_ID', value: 'IND-DEFAULTS-1', issuer: null, verificationStatus: 'unverified' })]);
  });

  it('individual(id) answers null for an id that does not exist', async () => {
    const res = await t.gql(READ_INDIVIDUAL, { id: '0123456789abcdef01234567' }, reader);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.individual).toBeNull();
  });

  it('updateIndividual applies the change, moves the version on and is read back', async () => {
    const created = await createIndividual(t, writer, { name: { given: 'Peter', family: 'Mensah' }, sex: 'male' });
    const updated = ok(
      await t.gql(UPDATE, {
        id: created.id,
        version: 1,
        input: { name: { given: 'Pete', family: 'Mensah' }, phoneNumbers: ['+99 700 000001'], status: 'inactive', addresses: [{ areaCode: 'CE-02' }] },
      }, writer),
    ).updateIndividual;
    expect(updated).toMatchObject({
      id: created.id,
      name: { given: 'Pete', family: 'Mensah', middle: null },
      sex: 'male',
      birthDate: created.birthDate,
      phoneNumbers: ['+99 700 000001'],
      status: 'inactive',
      addresses: [{ areaCode: 'CE-02' }],
      version: 2,
      registrationDate: created.registrationDate,
    });
    expect(new Date(updated.lastUpdated).getTime()).toBeGreaterThan(new Date(created.lastUpdated).getTime());
    expect(ok(await t.gql(READ_INDIVIDUAL, { id: created.id }, writer)).individual).toEqual(updated);
  });

  it('updateIndividual with an old version is refused with CONFLICT STALE_VERSION and changes nothing', async () => {
    const created = await createIndividual(t, writer);
    ok(await t.gql(UPDATE, { id: created.id, version: 1, input: { sex: 'other' } }, writer));
    const stale = await t.gql(UPDATE, { id: created.id, version: 1, input: { sex: 'male' } }, writer);
    expect(onlyError(stale).extensions).toMatchObject({ code: 'CONFLICT', reason: 'STALE_VERSION' });
    const read = ok(await t.gql(READ_INDIVIDUAL, { id: created.id }, writer)).individual;
    expect(read).toMatchObject({ sex: 'other', version: 2 });
  });

  it('two concurrent updates with the same version: exactly one wins, the other gets STALE_VERSION (5 races)', async () => {
    for (let round = 0; round < 5; round++) {
      const created = await createIndividual(t, writer, { sex: 'female' });
      const results = await Promise.all(
        ['a', 'b'].map((who) => t.gql(UPDATE, { id: created.id, version: 1, input: { emails: [`${who}@example.org`] } }, writer)),
      );
      const winners = results.filter((r) => !r.body.errors);
      const read = ok(await t.gql(READ_INDIVIDUAL, { id: created.id }, writer)).individual;
      expect({
        round,
        succeeded: winners.length,
        refusals: results.flatMap((r) => (r.body.errors ?? []).map((e) => `${e.extensions?.code}/${e.extensions?.reason}`)),
        version: read.version,
        // The stored record is the winner's, not a silent mix of both writes.
        storedIsWinners: JSON.stringify(read.emails) === JSON.stringify(winners[0]?.body.data!.updateIndividual.emails),
      }).toEqual({ round, succeeded: 1, refusals: ['CONFLICT/STALE_VERSION'], version: 2, storedIsWinners: true });
    }
  });

  it('updateIndividual of an unknown id is NOT_FOUND', async () => {
    const res = await t.gql(UPDATE, { id: '0123456789abcdef01234567', version: 1, input: { sex: 'male' } }, writer);
    expect(codes(res)).toEqual(['NOT_FOUND']);
  });

  it('updateIndividual refuses status deceased (recordDeath is the way)', async () => {
    const created = await createIndividual(t, writer);
    const res = await t.gql(UPDATE, { id: created.id, version: 1, input: { status: 'deceased' } }, writer);
    expect(onlyError(res).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'status' });
  });

  it('recordDeath marks the individual deceased, freezes the age, and is idempotent for the same date', async () => {
    const created = await createIndividual(t, writer, { birthDate: '1950-06-15' });
    const dead = ok(await t.gql(RECORD_DEATH, { id: created.id, deathDate: '2020-06-14' }, writer)).recordDeath;
    expect(dead).toMatchObject({ id: created.id, status: 'deceased', deathDate: '2020-06-14', age: 69, version: 2 });
    expect(ok(await t.gql(READ_INDIVIDUAL, { id: created.id }, writer)).individual).toEqual(dead);

    const again = ok(await t.gql(RECORD_DEATH, { id: created.id, deathDate: '2020-06-14' }, writer)).recordDeath;
    expect(again).toMatchObject({ status: 'deceased', deathDate: '2020-06-14', version: 2 });

    const different = await t.gql(RECORD_DEATH, { id: created.id, deathDate: '2020-07-01' }, writer);
    expect(onlyError(different).extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_DECEASED' });
  });

  it('recordDeath asked five times at once records the death once: five answers, one new version', async () => {
    const created = await createIndividual(t, writer, { birthDate: '1950-06-15' });
    const answers = await Promise.all(Array.from({ length: 5 }, () => t.gql(RECORD_DEATH, { id: created.id, deathDate: '2020-06-14' }, writer)));
    expect(answers.map((a) => ok(a).recordDeath)).toEqual(Array(5).fill(expect.objectContaining({ status: 'deceased', deathDate: '2020-06-14', version: 2 })));
  });

  it('recordDeath refuses a death before the birth and a death in the future', async () => {
    const created = await createIndividual(t, writer, { birthDate: '2000-01-01' });
    const early = await t.gql(RECORD_DEATH, { id: created.id, deathDate: '1999-12-31' }, writer);
    expect(onlyError(early).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'deathDate' });
    const future = await t.gql(RECORD_DEATH, { id: created.id, deathDate: isoDay(2) }, writer);
    expect(onlyError(future).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'deathDate' });
    expect(ok(await t.gql(READ_INDIVIDUAL, { id: created.id }, writer)).individual).toMatchObject({ status: 'active', deathDate: null, version: 1 });
  });

  it('updateIndividual refuses a birth date after the recorded death, and takes one on or before it', async () => {
    const created = await createIndividual(t, writer, { birthDate: '2000-01-01' });
    ok(await t.gql(RECORD_DEATH, { id: created.id, deathDate: '2020-06-14' }, writer));
    const UPDATE = `mutation ($id: ID!, $birthDate: Date!) { updateIndividual(id: $id, version: 2, input: { birthDate: $birthDate }) { birthDate age version } }`;
    expect(onlyError(await t.gql(UPDATE, { id: created.id, birthDate: '2020-06-15' }, writer)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'birthDate' });
    expect(ok(await t.gql(READ_INDIVIDUAL, { id: created.id }, writer)).individual).toMatchObject({ birthDate: '2000-01-01', version: 2 });
    expect(ok(await t.gql(UPDATE, { id: created.id, birthDate: '2020-06-14' }, writer)).updateIndividual).toEqual({ birthDate: '2020-06-14', age: 0, version: 3 });
  });
});
