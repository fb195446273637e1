/** Identifiers: (type, value) pairs, unique across the registry, attached to one registrant. */
import { Types } from 'mongoose';
import { conflict, notFound } from '../errors';
import type { RegistryModels } from '../store/models';
import { IdentifierDoc, VERIFICATION_STATUSES } from '../store/models/identifier';
import { appendEvent } from './events';
import { code, list, objectId, oneOf, text } from './input';

export interface IdentifierInput {
  type: string;
  value: string;
  issuer?: string | null;
  verificationStatus?: string | null;
}

export type Owner = { kind: 'individual' | 'group'; id: Types.ObjectId };

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

/** The stored form of an identifier of `owner`. */
export const identifierRow = (owner: Owner, id: Pick<IdentifierDoc, 'type' | 'value' | 'issuer' | 'verificationStatus'>, now: Date) => ({
  type: id.type,
  value: id.value,
  issuer: id.issuer,
  verificationStatus: id.verificationStatus,
  registrantKind: owner.kind,
  registrant: owner.id,
  createdAt: now,
});

const duplicate = (type: string) =>
  conflict('DUPLICATE_IDENTIFIER', `an identifier of type ${type} with this value is already registered`);

const isDuplicateKey = (error: unknown) => (error as { code?: number }).code === 11000;

/** Refuses up front when any pair is taken, so a create with identifiers writes nothing on conflict. */
export async function assertIdentifiersFree(models: RegistryModels, ids: { type: string; value: string }[]) {
  if (ids.length === 0) return;
  const taken = await models.Identifier.findOne({ $or: ids.map(({ type, value }) => ({ type, value })) }).lean();
  if (taken) throw duplicate(taken.type);
}

/** Inserts identifiers for an owner; on a race lost to another writer, removes what it inserted. */
export async function attachIdentifiers(models: RegistryModels, owner: Owner, ids: ReturnType<typeof checkIdentifier>[], now: Date) {
  const inserted: Types.ObjectId[] = [];
  try {
    for (const id of ids) {
      const doc = await models.Identifier.create(identifierRow(owner, id, now));
      inserted.push(doc._id);
    }
  } catch (error) {
    await models.Identifier.deleteMany({ _id: { $in: inserted } });
    if (isDuplicateKey(error)) throw duplicate((error as { keyValue?: { type?: string } }).keyValue?.type ?? 'this type');
    throw error;
  }
  await refreshIdentifierTypes(models, owner);
  for (const id of ids) {
    await appendEvent(models, `${owner.id}:${id.type}:${id.value}:${now.getTime()}`, {
      type: 'identifier_added', registrantKind: owner.kind, registrantId: owner.id, data: { identifierType: id.type }, at: now,
    });
  }
}

/** Keeps the owner's denormalised list of identifier types (used by filters) in step. */
export async function refreshIdentifierTypes(models: RegistryModels, owner: Owner) {
  const types = (await models.Identifier.distinct('type', { registrant: owner.id })) as string[];
  const model = owner.kind === 'individual' ? models.Individual : models.Group;
  await (model as typeof models.Individual).updateOne({ _id: owner.id }, { $set: { identifierTypes: types.sort() } });
}

/** The individual or group with this id. */
export async function ownerOf(models: RegistryModels, field: string, rawId: string): Promise<Owner> {
  const id = objectId(field, rawId);
  if (await models.Individual.exists({ _id: id })) return { kind: 'individual', id };
  if (await models.Group.exists({ _id: id })) return { kind: 'group', id };
  throw notFound('registrant');
}

export async function addIdentifier(models: RegistryModels, owner: Owner, input: IdentifierInput, now: Date): Promise<IdentifierDoc> {
  const checked = checkIdentifier(input, 'identifier');
  await attachIdentifiers(models, owner, [checked], now);
  return (await models.Identifier.findOne({ type: checked.type, value: checked.value }).lean())!;
}

export async function removeIdentifier(models: RegistryModels, rawId: string, now: Date): Promise<IdentifierDoc> {
  const id = objectId('id', rawId);
  const doc = await models.Identifier.findOneAndDelete({ _id: id }).lean();
  if (!doc) throw notFound('identifier');
  const owner = { kind: doc.registrantKind, id: doc.registrant };
  await refreshIdentifierTypes(models, owner);
  await appendEvent(models, `${doc._id}`, {
    type: 'identifier_removed', registrantKind: owner.kind, registrantId: owner.id, data: { identifierType: doc.type }, at: now,
  });
  return doc;
}

export async function findByIdentifier(models: RegistryModels, type: string, value: string) {
  return models.Identifier.findOne({ type: code('type', type), value: text('value', value, { required: true, max: 64 }) }).lean();
}
