/**
 * Identifiers: (type, value) pairs, unique across the registry, attached to one registrant.
 *
 * Each identifier lives in its registrant's `identifiers` array (read with the registrant) and is
 * claimed by a document whose `_id` is the pair (the uniqueness, and the lookup by identifier).
 * Without transactions the two are written one after the other: claim first, then the copy. A
 * claim whose copy is missing after a writer stopped is settled when it is next met (see
 * `settleClaim`): completed when its registrant exists, released when not or when it was being
 * removed.
 */
import { Types } from 'mongoose';
import { badInput, conflict, notFound } from '../errors';
import { isDuplicateKey } from '../store/duplicateKey';
import type { RegistryModels } from '../store/models';
import { claimKey, EmbeddedIdentifier, IdentifierClaimDoc, IdentifierDoc, RegistrantKind, VERIFICATION_STATUSES } from '../store/models/identifier';
import type { IndividualDoc } from '../store/models/individual';
import { appendEvent } from './events';
import { code, list, objectId, oneOf, text } from './input';
import { bumpVersion } from './registrant';
import { claimWrite } from './writeClaim';

export interface IdentifierInput {
  type: string;
  value: string;
  issuer?: string | null;
  verificationStatus?: string | null;
}

export type Owner = { kind: RegistrantKind; id: Types.ObjectId };

export function checkIdentifier(input: IdentifierInput, field: string) {
  return {
    type: code(`${field}.type`, input.type),
    value: text(`${field}.value`, input.value, { required: true, max: 64 })!,
    issuer: text(`${field}.issuer`, input.issuer, { max: 100 }),
    verificationStatus: oneOf(`${field}.verificationStatus`, input.verificationStatus ?? 'unverified', VERIFICATION_STATUSES),
  };
}

/** The identifiers a new registrant is created with. */
export const checkIdentifiers = (inputs: IdentifierInput[] | null | undefined) => list('identifiers', inputs, checkIdentifier) ?? [];

/** The stored form of a checked identifier, as its registrant holds it. */
export const embeddedIdentifier = (id: ReturnType<typeof checkIdentifier>, now: Date, _id = new Types.ObjectId()): EmbeddedIdentifier => ({
  _id,
  type: id.type,
  value: id.value,
  ...(id.issuer !== undefined && { issuer: id.issuer }),
  verificationStatus: id.verificationStatus,
  createdAt: now,
});

/** The claim of an identifier of `owner`. */
export const claimOf = (owner: Owner, identifier: EmbeddedIdentifier, now: Date): IdentifierClaimDoc => ({
  _id: claimKey(identifier.type, identifier.value),
  identifier,
  registrantKind: owner.kind,
  registrant: owner.id,
  at: now,
});

/**
 * A registrant's identifiers as the GraphQL Identifier type shows them. Built field by field: a
 * spread of each stored identifier cost the dashboard query ~0.7 ms per request.
 */
export const identifiersOf = (kind: RegistrantKind, doc: { _id: Types.ObjectId; identifiers: EmbeddedIdentifier[] }): IdentifierDoc[] =>
  doc.identifiers.map((i) => ({
    _id: i._id,
    type: i.type,
    value: i.value,
    ...(i.issuer !== undefined && { issuer: i.issuer }),
    verificationStatus: i.verificationStatus,
    createdAt: i.createdAt,
    registrantKind: kind,
    registrant: doc._id,
  }));

const duplicate = (type: string) =>
  conflict('DUPLICATE_IDENTIFIER', `an identifier of type ${type} with this value is already registered`);

const modelOf = (models: RegistryModels, kind: RegistrantKind) => (kind === 'individual' ? models.Individual : models.Group) as typeof models.Individual;

/** A claim younger than this may belong to a write still under way: it is left alone. */
export const UNSETTLED_CLAIM_MS = 30_000;

/**
 * Brings a claim and its registrant's copy into agreement after a writer stopped between them.
 * Returns the claim when it holds (settled, completed, or too young to judge), null when released.
 */
export async function settleClaim(models: RegistryModels, claim: IdentifierClaimDoc, now: Date): Promise<IdentifierClaimDoc | null> {
  const model = modelOf(models, claim.registrantKind);
  const holder = await model.findById(claim.registrant, { 'identifiers._id': 1 }).lean();
  const held = Boolean(holder?.identifiers.some((i) => i._id.equals(claim.identifier._id)));
  if (held && !claim.removing) return claim;
  if (claim.at.getTime() > now.getTime() - UNSETTLED_CLAIM_MS) return claim.removing ? null : claim;
  if (holder && !claim.removing) {
    await withIdentifiers(models, { kind: claim.registrantKind, id: claim.registrant }, (ids) => [...ids.filter((i) => !i._id.equals(claim.identifier._id)), claim.identifier], now);
    return claim;
  }
  if (held) await withIdentifiers(models, { kind: claim.registrantKind, id: claim.registrant }, (ids) => ids.filter((i) => !i._id.equals(claim.identifier._id)), now);
  await models.IdentifierClaim.deleteOne({ _id: claim._id, 'identifier._id': claim.identifier._id });
  return null;
}

/** Rewrites an owner's identifiers under the registry's version claims (concurrent writers serialise). */
async function withIdentifiers(models: RegistryModels, owner: Owner, change: (ids: EmbeddedIdentifier[]) => EmbeddedIdentifier[], now: Date) {
  const model = modelOf(models, owner.kind);
  await bumpVersion(models, model, owner.id, async () => {
    const current = await model.findById(owner.id, { identifiers: 1 }).lean();
    return { identifiers: change(current?.identifiers ?? []) };
  }, now);
}

/**
 * Claims the pairs for `owner`, one by one. A pair held by a claim that settling releases is tried
 * once more; on a pair held for good, the claims made here are released and DUPLICATE_IDENTIFIER thrown.
 */
export async function claimIdentifiers(models: RegistryModels, owner: Owner, identifiers: EmbeddedIdentifier[], now: Date): Promise<void> {
  const claimed: string[] = [];
  const claim = async (c: IdentifierClaimDoc, retry: boolean): Promise<void> => {
    try {
      await models.IdentifierClaim.create(c);
      claimed.push(c._id);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const holder = retry ? await models.IdentifierClaim.findById(c._id).lean() : null;
      if (retry && (!holder || !(await settleClaim(models, holder, now)))) return claim(c, false);
      throw duplicate(c.identifier.type);
    }
  };
  try {
    for (const identifier of identifiers) await claim(claimOf(owner, identifier, now), true);
  } catch (error) {
    await models.IdentifierClaim.deleteMany({ _id: { $in: claimed }, registrant: owner.id });
    throw error;
  }
}

/** The events announcing identifiers added to an owner. */
export async function announceAdded(models: RegistryModels, owner: Owner, identifiers: EmbeddedIdentifier[], now: Date) {
  for (const id of identifiers) {
    await appendEvent(models, `${owner.id}:${id.type}:${id.value}:${now.getTime()}`, {
      type: 'identifier_added', registrantKind: owner.kind, registrantId: owner.id, data: { identifierType: id.type }, at: now,
    });
  }
}

/** Claims checked identifiers for an existing owner, then adds them to it. */
export async function attachIdentifiers(models: RegistryModels, owner: Owner, ids: ReturnType<typeof checkIdentifier>[], now: Date): Promise<EmbeddedIdentifier[]> {
  const identifiers = ids.map((i) => embeddedIdentifier(i, now));
  await claimIdentifiers(models, owner, identifiers, now);
  await withIdentifiers(models, owner, (current) => [...current, ...identifiers], now);
  await announceAdded(models, owner, identifiers, now);
  return identifiers;
}

/** The individual or group with this id. */
export async function ownerOf(models: RegistryModels, field: string, rawId: string): Promise<Owner> {
  const id = objectId(field, rawId);
  if (await models.Individual.exists({ _id: id })) return { kind: 'individual', id };
  if (await models.Group.exists({ _id: id })) return { kind: 'group', id };
  throw notFound('registrant');
}

export async function addIdentifier(models: RegistryModels, owner: Owner, input: IdentifierInput, now: Date): Promise<IdentifierDoc> {
  const [added] = await attachIdentifiers(models, owner, [checkIdentifier(input, 'identifier')], now);
  return { ...added, registrantKind: owner.kind, registrant: owner.id };
}

/**
 * Marks the claim first, so that a removal stopped half-way is finished, never undone, by settling.
 * One caller removes it: while a removal is under way the others are NOT_FOUND, as after it; a
 * removal that stopped is taken over by a retry once its write claim is old.
 */
export async function removeIdentifier(models: RegistryModels, rawId: string, now: Date): Promise<IdentifierDoc> {
  const id = objectId('id', rawId);
  const found = await models.IdentifierClaim.findOne({ 'identifier._id': id }).lean();
  const stillThere = async () => Boolean(await models.IdentifierClaim.exists({ _id: found!._id, 'identifier._id': id }));
  if (!found || (found.removing && found.at.getTime() > now.getTime() - UNSETTLED_CLAIM_MS)) throw notFound('identifier');
  if (!(await claimWrite(models, `identifier-removal:${id}`, stillThere, now))) throw notFound('identifier');
  // `at` restarts, so that settling leaves this removal to finish.
  const claim = await models.IdentifierClaim.findOneAndUpdate({ _id: found._id, 'identifier._id': id }, { $set: { removing: true, at: now } }, { new: true }).lean();
  if (!claim) throw notFound('identifier');
  const owner = { kind: claim.registrantKind, id: claim.registrant };
  await withIdentifiers(models, owner, (ids) => ids.filter((i) => !i._id.equals(id)), now);
  await models.IdentifierClaim.deleteOne({ _id: claim._id, 'identifier._id': id });
  await appendEvent(models, `${id}`, {
    type: 'identifier_removed', registrantKind: owner.kind, registrantId: owner.id, data: { identifierType: claim.identifier.type }, at: now,
  });
  return { ...claim.identifier, registrantKind: owner.kind, registrant: owner.id };
}

/** The checked claim key of a user-typed pair; `field` names the input it came from. */
function keyOf(match: { type: string; value: string }, field?: string) {
  const at = (name: string) => (field ? `${field}.${name}` : name);
  return claimKey(code(at('type'), match.type), text(at('value'), match.value, { required: true, max: 64 })!);
}

/** Ids of the registrants holding identifier (type, value), for filters that then match on `_id`. */
export async function identifierHolders(models: RegistryModels, field: string, match: { type: string; value: string }): Promise<Types.ObjectId[]> {
  const claim = await models.IdentifierClaim.findById(keyOf(match, field), { registrant: 1, removing: 1 }).lean();
  return claim && !claim.removing ? [claim.registrant] : [];
}

/** How many pairs `findByIdentifiers` takes at once. */
export const MAX_IDENTIFIER_LOOKUPS = 100;

/**
 * The registrants holding each pair, in the order asked (null where none): one `_id $in` read for
 * the claims and one per kind for the holders, whatever the number of pairs. A claim whose holder
 * lacks its copy is settled one by one, as `findByIdentifier` does.
 */
export async function findByIdentifiers(models: RegistryModels, field: string, matches: { type: string; value: string }[], now: Date) {
  if (matches.length > MAX_IDENTIFIER_LOOKUPS) throw badInput(field, `may hold at most ${MAX_IDENTIFIER_LOOKUPS} identifiers`);
  const keys = matches.map((m, i) => keyOf(m, `${field}[${i}]`));
  const claims = new Map((await models.IdentifierClaim.find({ _id: { $in: [...new Set(keys)] } }).lean()).filter((c) => !c.removing).map((c) => [c._id, c]));
  const holders = new Map<string, { kind: RegistrantKind; doc: IndividualDoc }>();
  for (const kind of ['individual', 'group'] as const) {
    const ids = [...claims.values()].filter((c) => c.registrantKind === kind).map((c) => c.registrant);
    if (ids.length === 0) continue;
    for (const doc of await modelOf(models, kind).find({ _id: { $in: ids } }).lean()) holders.set(`${doc._id}`, { kind, doc });
  }
  return Promise.all(
    keys.map(async (key) => {
      const claim = claims.get(key);
      if (!claim) return null;
      const holder = holders.get(`${claim.registrant}`);
      if (holder?.doc.identifiers.some((i) => i._id.equals(claim.identifier._id))) return holder;
      return findByIdentifier(models, claim.identifier.type, claim.identifier.value, now);
    }),
  );
}

/** The registrant holding (type, value), or null: one `_id` read for the claim, one for the holder. */
export async function findByIdentifier(models: RegistryModels, type: string, value: string, now: Date) {
  const found = await models.IdentifierClaim.findById(keyOf({ type, value })).lean();
  const claim = found && !found.removing ? found : null;
  if (!claim) return null;
  const doc = await modelOf(models, claim.registrantKind).findById(claim.registrant).lean();
  if (doc?.identifiers.some((i) => i._id.equals(claim.identifier._id))) return { kind: claim.registrantKind, doc };
  // The copy is missing: a write under way or one that stopped; settling completes or releases it.
  if (!(await settleClaim(models, claim, now)) || !doc) return null;
  return { kind: claim.registrantKind, doc: (await modelOf(models, claim.registrantKind).findById(claim.registrant).lean())! };
}
