/**
 * The registry's location hierarchy: regions, areas and localities, each with a code, a name, a
 * level and the code of the place that contains it. Addresses name places by code; once a hierarchy
 * is stored, registrants may only name places in it. A registry without one accepts any code, as
 * before the hierarchy existed.
 */
import { isDuplicateKey } from '../store/duplicateKey';
import type { RegistryModels } from '../store/models';
import type { Address } from '../store/models/common';
import type { LocationDoc } from '../store/models/location';
import { badInput, conflict, notFound } from '../errors';
import { text } from './input';

export interface LocationInput {
  code: string;
  name: string;
  type: string;
  parent?: string | null;
}

/** Absent or null leaves a field unchanged, except parent: null, which makes the place top-level. */
export interface LocationChanges {
  name?: string | null;
  type?: string | null;
  parent?: string | null;
}

/** Deeper than any administrative hierarchy: a longer walk up means the stored parents loop. */
const MAX_DEPTH = 20;
const CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

function checkCode(field: string, value: string): string {
  const code = text(field, value, { required: true, max: 40 })!;
  if (!CODE.test(code)) throw badInput(field, 'must be 1 to 40 letters, digits, dots, dashes or underscores, starting with a letter or digit');
  return code;
}

export function listLocations(models: RegistryModels): Promise<LocationDoc[]> {
  return models.Location.find().sort({ _id: 1 }).lean<LocationDoc[]>().exec();
}

export function findLocation(models: RegistryModels, code: string): Promise<LocationDoc | null> {
  return models.Location.findById(code).lean<LocationDoc>().exec();
}

/**
 * The codes of `code` and of every place within it: what a run or a count scoped to a place covers
 * (a region counts the people of its areas). Null when a hierarchy is loaded and `code` is not one
 * of its places; without a hierarchy, the code alone.
 */
export async function placesWithin(models: RegistryModels, code: string): Promise<string[] | null> {
  const all = await listLocations(models);
  if (all.length === 0) return [code];
  if (!all.some((place) => place._id === code)) return null;
  const children = new Map<string, string[]>();
  for (const place of all) if (place.parent !== null) children.set(place.parent, [...(children.get(place.parent) ?? []), place._id]);
  const within = new Set([code]);
  for (const current of within) for (const child of children.get(current) ?? []) within.add(child);
  return [...within];
}

/** The people whose address names one of `places`. */
export const livingIn = (places: string[]) => ({ areaCode: { $in: places } });

/**
 * The places a run or a count is scoped to, as `placesWithin`: once a hierarchy is loaded the code
 * must be one of its places (as an address's must), or a mistyped code would pass for a place
 * where nobody lives.
 */
export async function scopedPlaces(models: RegistryModels, field: string, code: string): Promise<string[]> {
  const places = await placesWithin(models, code);
  if (!places) throw badInput(field, `no location has the code ${code}`);
  return places;
}

/** The codes from `code` up to the top of the hierarchy, `code` first. */
async function ancestry(models: RegistryModels, code: string): Promise<string[]> {
  const chain: string[] = [];
  for (let current: string | null = code; current !== null; ) {
    if (chain.length >= MAX_DEPTH || chain.includes(current)) throw new Error(`location hierarchy loops at ${current}`);
    chain.push(current);
    const doc: LocationDoc | null = await findLocation(models, current);
    if (!doc) break;
    current = doc.parent;
  }
  return chain;
}

async function checkParent(models: RegistryModels, parent: string | null | undefined, code: string): Promise<string | null> {
  if (parent === undefined || parent === null) return null;
  const parentCode = checkCode('parent', parent);
  if (!(await findLocation(models, parentCode))) throw badInput('parent', `no location has the code ${parentCode}`);
  if ((await ancestry(models, parentCode)).includes(code)) throw badInput('parent', `${parentCode} lies inside ${code}: a place cannot contain its own parent`);
  return parentCode;
}

export async function createLocation(models: RegistryModels, input: LocationInput, now: Date): Promise<LocationDoc> {
  const code = checkCode('code', input.code);
  const doc: LocationDoc = {
    _id: code,
    name: text('name', input.name, { required: true, max: 100 })!,
    type: text('type', input.type, { required: true, max: 40 })!,
    parent: await checkParent(models, input.parent, code),
    updatedAt: now,
  };
  try {
    await models.Location.create(doc);
  } catch (error) {
    if (isDuplicateKey(error)) throw conflict('LOCATION_EXISTS', `a location with the code ${code} exists`);
    throw error;
  }
  return doc;
}

export async function updateLocation(models: RegistryModels, rawCode: string, changes: LocationChanges, now: Date): Promise<LocationDoc> {
  const code = checkCode('code', rawCode);
  const set: Partial<LocationDoc> = { updatedAt: now };
  if (changes.name !== undefined && changes.name !== null) set.name = text('name', changes.name, { required: true, max: 100 })!;
  if (changes.type !== undefined && changes.type !== null) set.type = text('type', changes.type, { required: true, max: 40 })!;
  if (changes.parent !== undefined) set.parent = await checkParent(models, changes.parent, code);
  if (Object.keys(set).length === 1) throw badInput('input', 'holds no change');
  const updated = await models.Location.findOneAndUpdate({ _id: code }, { $set: set }, { new: true }).lean<LocationDoc>();
  if (!updated) throw notFound(`location ${code}`);
  return updated;
}

/** Only a place that contains none and that no registrant's address names can go. */
export async function deleteLocation(models: RegistryModels, rawCode: string): Promise<boolean> {
  const code = checkCode('code', rawCode);
  if (await models.Location.exists({ parent: code })) throw conflict('LOCATION_IN_USE', `${code} contains other locations`);
  const named = { $or: [{ 'addresses.areaCode': code }, { 'addresses.regionCode': code }] };
  const groupNamed = { $or: [{ 'address.areaCode': code }, { 'address.regionCode': code }] };
  if ((await models.Individual.exists(named)) || (await models.Group.exists(groupNamed))) {
    throw conflict('LOCATION_IN_USE', `registrants' addresses name ${code}`);
  }
  const { deletedCount } = await models.Location.deleteOne({ _id: code });
  if (deletedCount === 0) throw notFound(`location ${code}`);
  return true;
}

/**
 * Addresses may only name stored places once a hierarchy exists: the area and region codes must be
 * known, and the region must contain the area.
 */
export async function checkAddressPlaces(models: RegistryModels, addresses: { address: Address; field: string }[]): Promise<void> {
  const named = addresses.filter(({ address }) => address.areaCode || address.regionCode);
  if (named.length === 0 || !(await models.Location.exists({}))) return;
  for (const { address, field } of named) {
    if (address.areaCode && !(await findLocation(models, address.areaCode))) throw badInput(`${field}.areaCode`, `no location has the code ${address.areaCode}`);
    if (address.regionCode && !(await findLocation(models, address.regionCode))) throw badInput(`${field}.regionCode`, `no location has the code ${address.regionCode}`);
    if (address.areaCode && address.regionCode && !(await ancestry(models, address.areaCode)).includes(address.regionCode)) {
      throw badInput(`${field}.regionCode`, `${address.areaCode} does not lie in ${address.regionCode}`);
    }
  }
}
